package org.synthray.coordinator.federation.strategy;

import org.synthray.tensor.Weights;

/**
 * Coordinate-wise median (Yin et al. 2018), as Flower's FedMedian: every parameter of the new model
 * is the median of the sites' values of that parameter (the mean of the two middle values when the
 * number of sites is even), unweighted. One site sending huge values moves no median beyond the
 * range of the honest values as long as the honest sites are a majority.
 */
public class FedMedian extends SpillingStrategy {

    public FedMedian(StrategyContext context) {
        super(context);
    }

    @Override
    public String name() {
        return "fedmedian";
    }

    @Override
    protected Weights aggregate(int round, SpilledUpdates updates) {
        return coordinateWise(updates, FedMedian::median);
    }

    static double median(double[] v, int n) {
        sortSmall(v, n);
        return (n & 1) == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
