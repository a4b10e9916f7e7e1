package org.synthray.coordinator.federation.strategy;

/**
 * FedAdam (Reddi et al. 2021): {@code v ← β₂·v + (1 − β₂)·Δ²}, with Flower's bias-corrected server
 * learning rate {@code η_t = η · √(1 − β₂^(t)) / (1 − β₁^(t))}, {@code t = round + 1} (Flower counts
 * this way; the correction matters in the first rounds only). Flower's defaults: η = 0.1, β₁ = 0.9,
 * β₂ = 0.99, τ = 1e-9.
 */
public class FedAdam extends FedOpt {
    public static final double DEFAULT_ETA = 0.1;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.99;
    public static final double DEFAULT_TAU = 1e-9;

    public FedAdam(StrategyContext context, double eta, double beta1, double beta2, double tau) {
        super(context, eta, beta1, beta2, tau);
    }

    @Override
    public String name() {
        return "fedadam";
    }

    @Override
    protected double nextV(double v, double d) {
        return beta2 * v + (1 - beta2) * d * d;
    }

    @Override
    protected double stepSize(int round) {
        double t = round + 1.0;
        return eta * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
    }
}
