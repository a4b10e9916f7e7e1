package org.synthray.coordinator.run;

import java.util.LinkedHashMap;
import java.util.Map;
import org.synthray.coordinator.federation.FedAvg;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;

/** Builds the strategy a run spec names. */
final class StrategyFactory {
    private StrategyFactory() {
    }

    static Strategy create(RunSpec spec) {
        RunSpec.StrategySection s = spec.strategy();
        Map<String, Object> params = s.params() != null ? s.params() : Map.of();
        if (s.dp() != null) {
            throw new IllegalArgumentException("strategy.dp is not supported by this coordinator version");
        }
        return switch (s.name()) {
            case "fedavg" -> {
                requireOnly(params);
                yield new FedAvg(spec.fractionFit(), spec.fractionEvaluate(), spec.minSites(), 1,
                        spec::fitConfig, spec::evaluateConfig, spec.seed());
            }
            case "fedprox" -> {
                requireOnly(params, "proximal_mu");
                Object mu = params.getOrDefault("proximal_mu", 0.01);
                if (!(mu instanceof Number n) || n.doubleValue() < 0) {
                    throw new IllegalArgumentException("strategy.params.proximal_mu must be a number >= 0, got " + mu);
                }
                double m = n.doubleValue();
                yield new FedAvg(spec.fractionFit(), spec.fractionEvaluate(), spec.minSites(), 1,
                        round -> withKey(spec.fitConfig(round), "proximal_mu", m), spec::evaluateConfig, spec.seed()) {
                    @Override
                    public String name() {
                        return "fedprox";
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown strategy '" + s.name() + "' (available: fedavg, fedprox)");
        };
    }

    private static Map<String, Scalar> withKey(Map<String, Scalar> base, String key, Object value) {
        Map<String, Scalar> out = new LinkedHashMap<>(base);
        out.put(key, Scalars.of(value));
        return out;
    }

    private static void requireOnly(Map<String, Object> params, String... known) {
        for (String k : params.keySet()) {
            if (!java.util.Arrays.asList(known).contains(k)) {
                throw new IllegalArgumentException("unknown strategy parameter '" + k + "'"
                        + (known.length > 0 ? " (known: " + String.join(", ", known) + ")" : " (this strategy takes none)"));
            }
        }
    }
}
