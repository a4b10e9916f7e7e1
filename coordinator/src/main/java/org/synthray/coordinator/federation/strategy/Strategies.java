package org.synthray.coordinator.federation.strategy;

import java.util.List;
import java.util.Map;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.flower.Keys;

/**
 * Builds the strategy a run spec names. Every parameter has a default (Flower's, where Flower has
 * the strategy); unknown strategies, unknown parameters and values out of range are refused with an
 * {@link IllegalArgumentException} whose message names the parameter, fit to be shown to the user.
 * See {@code docs/strategies.md} for the parameters and what they mean.
 */
public final class Strategies {
    /** The strategy names {@link #create} knows. */
    public static final List<String> NAMES = List.of("fedavg", "fedprox", "fedadagrad", "fedadam", "fedyogi",
            "fedmedian", "fedtrimmedavg", "krum", "multikrum");
    /** Strategies differential privacy can wrap: those that average (see {@link DpStrategy}). */
    public static final List<String> DP_CAPABLE = List.of("fedavg", "fedprox", "fedadagrad", "fedadam", "fedyogi");

    private static final String P = "strategy.params";

    private Strategies() {
    }

    /**
     * @throws IllegalArgumentException naming the strategy or parameter that is wrong
     */
    public static Strategy create(StrategySpec spec, StrategyContext ctx) {
        String name = spec.name();
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("strategy.name is required (available: " + String.join(", ", NAMES) + ")");
        }
        Map<String, Object> params = spec.params();
        Strategy base = switch (name) {
            case "fedavg" -> {
                new Params(P, name, params);
                yield new FedAvg(ctx);
            }
            case "fedprox" -> {
                Params p = new Params(P, name, params, Keys.PROXIMAL_MU);
                yield new FedProx(ctx, p.number(Keys.PROXIMAL_MU, 0.01, v -> v >= 0, "a number >= 0"));
            }
            case "fedadagrad" -> {
                Params p = new Params(P, name, params, "eta", "beta1|beta_1", "tau");
                yield new FedAdagrad(ctx, eta(p, FedAdagrad.DEFAULT_ETA), beta(p, "beta1", FedAdagrad.DEFAULT_BETA1),
                        tau(p, FedAdagrad.DEFAULT_TAU));
            }
            case "fedadam" -> {
                Params p = new Params(P, name, params, "eta", "beta1|beta_1", "beta2|beta_2", "tau");
                yield new FedAdam(ctx, eta(p, FedAdam.DEFAULT_ETA), beta(p, "beta1", FedAdam.DEFAULT_BETA1),
                        beta(p, "beta2", FedAdam.DEFAULT_BETA2), tau(p, FedAdam.DEFAULT_TAU));
            }
            case "fedyogi" -> {
                Params p = new Params(P, name, params, "eta", "beta1|beta_1", "beta2|beta_2", "tau");
                yield new FedYogi(ctx, eta(p, FedYogi.DEFAULT_ETA), beta(p, "beta1", FedYogi.DEFAULT_BETA1),
                        beta(p, "beta2", FedYogi.DEFAULT_BETA2), tau(p, FedYogi.DEFAULT_TAU));
            }
            case "fedmedian" -> {
                new Params(P, name, params);
                yield new FedMedian(ctx);
            }
            case "fedtrimmedavg" -> {
                Params p = new Params(P, name, params, "beta");
                yield new FedTrimmedAvg(ctx, p.number("beta", FedTrimmedAvg.DEFAULT_BETA, v -> v >= 0 && v < 0.5,
                        "in [0, 0.5)"));
            }
            case "krum" -> {
                Params p = new Params(P, name, params, "f", "m");
                yield new Krum(ctx, p.integer("f", 0, 0), p.integer("m", 1, 1));
            }
            case "multikrum" -> {
                Params p = new Params(P, name, params, "f", "m");
                yield new Krum(ctx, p.integer("f", 0, 0), p.integer("m", null, 1));
            }
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "' (available: "
                    + String.join(", ", NAMES) + ")");
        };
        if (spec.dp() == null) {
            return base;
        }
        if (!DP_CAPABLE.contains(name)) {
            throw new IllegalArgumentException("strategy.dp cannot wrap " + name + ": differential privacy releases one"
                    + " noised average of clipped updates per round, which leaves a robust aggregator nothing to choose"
                    + " from (clipping already bounds each site's influence to clip_norm / sites); use one of "
                    + String.join(", ", DP_CAPABLE));
        }
        return new DpStrategy(base, dpConfig(spec.dp()), ctx.noiseSeed());
    }

    static DpStrategy.Config dpConfig(Map<String, Object> dp) {
        Params p = new Params("strategy.dp", "differential privacy", dp, "noise_multiplier", "clip_norm", "adaptive",
                "target_quantile", "clip_learning_rate", "clipped_count_stddev", "delta");
        boolean adaptive = p.bool("adaptive", false);
        if (!adaptive) {
            for (String k : List.of("target_quantile", "clip_learning_rate", "clipped_count_stddev")) {
                if (p.has(k)) {
                    throw new IllegalArgumentException("strategy.dp." + k + " only applies with \"adaptive\": true");
                }
            }
        }
        double noise = p.number("noise_multiplier", DpStrategy.Config.DEFAULT_NOISE_MULTIPLIER, v -> v >= 0,
                "a number >= 0");
        double clip = p.number("clip_norm", DpStrategy.Config.DEFAULT_CLIP_NORM, v -> v > 0, "a number > 0");
        double quantile = p.number("target_quantile", DpStrategy.Config.DEFAULT_TARGET_QUANTILE,
                v -> v >= 0 && v <= 1, "in [0, 1]");
        double rate = p.number("clip_learning_rate", DpStrategy.Config.DEFAULT_CLIP_LEARNING_RATE, v -> v > 0,
                "a number > 0");
        Double countStddev = p.optionalNumber("clipped_count_stddev", v -> v >= 0, "a number >= 0");
        double delta = p.number("delta", DpStrategy.Config.DEFAULT_DELTA, v -> v > 0 && v < 1, "in (0, 1)");
        try {
            return new DpStrategy.Config(noise, clip, adaptive, quantile, rate, countStddev, delta);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("strategy.dp." + e.getMessage(), e);
        }
    }

    private static double eta(Params p, double fallback) {
        return p.number("eta", fallback, v -> v > 0, "a number > 0");
    }

    private static double beta(Params p, String key, double fallback) {
        return p.number(key, fallback, v -> v >= 0 && v < 1, "in [0, 1)");
    }

    private static double tau(Params p, double fallback) {
        return p.number("tau", fallback, v -> v > 0, "a number > 0");
    }
}
