package org.synthray.coordinator.federation.strategy;

/**
 * FedAdagrad (Reddi et al. 2021): {@code v ← v + Δ²}. Flower's defaults: η = 0.1, τ = 1e-9 and no
 * momentum (β₁ = 0, so m = Δ).
 */
public class FedAdagrad extends FedOpt {
    public static final double DEFAULT_ETA = 0.1;
    public static final double DEFAULT_BETA1 = 0.0;
    public static final double DEFAULT_TAU = 1e-9;

    public FedAdagrad(StrategyContext context, double eta, double beta1, double tau) {
        super(context, eta, beta1, 0.0, tau);
    }

    @Override
    public String name() {
        return "fedadagrad";
    }

    @Override
    protected double nextV(double v, double d) {
        return v + d * d;
    }
}
