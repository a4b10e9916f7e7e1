package org.synthray.coordinator.run;

import java.nio.file.Path;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.coordinator.federation.strategy.Strategies;
import org.synthray.coordinator.federation.strategy.StrategyContext;
import org.synthray.coordinator.federation.strategy.StrategySpec;

/** Builds the strategy a run spec names, with the run's sampling and per-round config. */
final class StrategyFactory {
    private StrategyFactory() {
    }

    /**
     * @throws IllegalArgumentException naming the unknown strategy or the bad parameter
     */
    static Strategy create(RunSpec spec, Path spillDirectory) {
        RunSpec.StrategySection s = spec.strategy();
        StrategyContext ctx = new StrategyContext(spec.minSites(), 1, spec.fractionFit(), spec.fractionEvaluate(),
                spec::fitConfig, spec::evaluateConfig, spec.seed(), spillDirectory, java.util.OptionalLong.empty());
        return Strategies.create(new StrategySpec(s.name(), s.params() != null ? s.params() : java.util.Map.of(), s.dp()), ctx);
    }
}
