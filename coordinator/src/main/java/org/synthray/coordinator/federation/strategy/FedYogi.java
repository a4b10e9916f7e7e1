package org.synthray.coordinator.federation.strategy;

/**
 * FedYogi (Reddi et al. 2021): {@code v ← v − (1 − β₂)·Δ²·sign(v − Δ²)}, which lets v grow and shrink
 * more gently than Adam's. Flower's defaults: η = 0.01, β₁ = 0.9, β₂ = 0.99, τ = 1e-3.
 */
public class FedYogi extends FedOpt {
    public static final double DEFAULT_ETA = 0.01;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.99;
    public static final double DEFAULT_TAU = 1e-3;

    public FedYogi(StrategyContext context, double eta, double beta1, double beta2, double tau) {
        super(context, eta, beta1, beta2, tau);
    }

    @Override
    public String name() {
        return "fedyogi";
    }

    @Override
    protected double nextV(double v, double d) {
        double d2 = d * d;
        return v - (1 - beta2) * d2 * Math.signum(v - d2);
    }
}
