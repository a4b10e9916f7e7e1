package org.synthray.coordinator.federation.strategy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.IntFunction;
import org.synthray.flower.proto.Scalar;

/**
 * What a strategy needs from the run that uses it, apart from its own parameters: how many sites a
 * round needs and samples, the config every instruction carries, the sampling seed, where robust
 * strategies spill updates, and (for tests only) a fixed seed for differential-privacy noise.
 *
 * @param minFitClients      fewest sites asked to train, and fewest valid updates that make a round
 * @param minEvaluateClients fewest sites asked to evaluate (when {@code fractionEvaluate > 0})
 * @param fractionFit        fraction of the available sites asked to train, in (0, 1]
 * @param fractionEvaluate   fraction asked to evaluate, in [0, 1]; 0 skips evaluation
 * @param fitConfig          the config of each round's FitIns, before the strategy adds its own keys
 * @param evaluateConfig     the config of each round's EvaluateIns
 * @param seed               seed of the site sampling (never of privacy noise)
 * @param spillDirectory     where robust strategies write a round's updates (deleted after the round)
 * @param noiseSeed          a fixed seed for differential-privacy noise; empty (the default) draws
 *                           noise from {@link java.security.SecureRandom}. Only tests set it: noise
 *                           that can be reproduced protects nothing.
 */
public record StrategyContext(int minFitClients, int minEvaluateClients, double fractionFit, double fractionEvaluate,
                              IntFunction<Map<String, Scalar>> fitConfig,
                              IntFunction<Map<String, Scalar>> evaluateConfig, long seed, Path spillDirectory,
                              OptionalLong noiseSeed) {

    public StrategyContext {
        if (minFitClients < 1) {
            throw new IllegalArgumentException("min fit clients must be at least 1, got " + minFitClients);
        }
        if (minEvaluateClients < 0) {
            throw new IllegalArgumentException("min evaluate clients must not be negative, got " + minEvaluateClients);
        }
        if (!(fractionFit > 0 && fractionFit <= 1)) {
            throw new IllegalArgumentException("fraction fit must be in (0, 1], got " + fractionFit);
        }
        if (!(fractionEvaluate >= 0 && fractionEvaluate <= 1)) {
            throw new IllegalArgumentException("fraction evaluate must be in [0, 1], got " + fractionEvaluate);
        }
        Objects.requireNonNull(fitConfig, "fitConfig");
        Objects.requireNonNull(evaluateConfig, "evaluateConfig");
        Objects.requireNonNull(spillDirectory, "spillDirectory");
        Objects.requireNonNull(noiseSeed, "noiseSeed");
    }

    /**
     * A context with one site minimum for evaluation, spilling under {@code java.io.tmpdir} and
     * secure privacy noise.
     */
    public static StrategyContext of(int minFitClients, double fractionFit, double fractionEvaluate,
                                     IntFunction<Map<String, Scalar>> fitConfig,
                                     IntFunction<Map<String, Scalar>> evaluateConfig, long seed) {
        return new StrategyContext(minFitClients, 1, fractionFit, fractionEvaluate, fitConfig, evaluateConfig, seed,
                Path.of(System.getProperty("java.io.tmpdir")), OptionalLong.empty());
    }

    /** A context for tests and tools: all sites train and evaluate, empty configs. */
    public static StrategyContext simple(int minFitClients, long seed) {
        return of(minFitClients, 1.0, 1.0, r -> Map.of(), r -> Map.of(), seed);
    }

    public StrategyContext withMinEvaluateClients(int n) {
        return new StrategyContext(minFitClients, n, fractionFit, fractionEvaluate, fitConfig, evaluateConfig, seed,
                spillDirectory, noiseSeed);
    }

    public StrategyContext withSpillDirectory(Path dir) {
        return new StrategyContext(minFitClients, minEvaluateClients, fractionFit, fractionEvaluate, fitConfig,
                evaluateConfig, seed, dir, noiseSeed);
    }

    /** Reproducible privacy noise, for tests only. */
    public StrategyContext withNoiseSeed(long noiseSeed) {
        return new StrategyContext(minFitClients, minEvaluateClients, fractionFit, fractionEvaluate, fitConfig,
                evaluateConfig, seed, spillDirectory, OptionalLong.of(noiseSeed));
    }
}
