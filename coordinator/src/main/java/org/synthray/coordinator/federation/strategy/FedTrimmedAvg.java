package org.synthray.coordinator.federation.strategy;

import org.synthray.tensor.Weights;

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018), as Flower's FedTrimmedAvg: for every parameter the
 * sites' values are sorted, {@code floor(β·n)} are dropped from each end and the rest averaged,
 * unweighted. β in [0, 0.5); β = 0 is the plain unweighted mean.
 */
public class FedTrimmedAvg extends SpillingStrategy {
    public static final double DEFAULT_BETA = 0.2;

    private final double beta;

    public FedTrimmedAvg(StrategyContext context, double beta) {
        super(context);
        if (!(beta >= 0 && beta < 0.5)) {
            throw new IllegalArgumentException("beta must be in [0, 0.5), got " + beta);
        }
        this.beta = beta;
    }

    @Override
    public String name() {
        return "fedtrimmedavg";
    }

    public double beta() {
        return beta;
    }

    @Override
    protected Weights aggregate(int round, SpilledUpdates updates) {
        int cut = (int) Math.floor(beta * updates.size());
        return coordinateWise(updates, (v, n) -> {
            sortSmall(v, n);
            double s = 0;
            for (int k = cut; k < n - cut; k++) {
                s += v[k];
            }
            return s / (n - 2 * cut);
        });
    }
}
