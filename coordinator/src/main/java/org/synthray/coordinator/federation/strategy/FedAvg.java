package org.synthray.coordinator.federation.strategy;

import java.util.Map;
import java.util.function.IntFunction;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/**
 * Federated averaging (McMahan et al. 2017): the new global model is the average of the sites'
 * weights, weighted by their number of training examples. Like Flower's FedAvg it samples a fraction
 * of the available sites (at least the minimum) and adds no config keys of its own.
 *
 * <p>Updates are folded into one accumulator as they arrive ({@link WeightedSum}): the aggregator
 * holds about one model whatever the number of sites. Each tensor keeps its dtype; integer tensors
 * are rounded to nearest (ties to even) and booleans are true when the weighted mean is at least 0.5.
 */
public class FedAvg extends BaseStrategy {

    public FedAvg(StrategyContext context) {
        super(context);
    }

    /** The constructor of SynthRay's first coordinator, kept for callers that do not build a context. */
    public FedAvg(double fractionFit, double fractionEvaluate, int minFitClients, int minEvaluateClients,
                  IntFunction<Map<String, Scalar>> fitConfig, IntFunction<Map<String, Scalar>> evaluateConfig,
                  long seed) {
        this(StrategyContext.of(minFitClients, fractionFit, fractionEvaluate, fitConfig, evaluateConfig, seed)
                .withMinEvaluateClients(minEvaluateClients));
    }

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public UpdateAggregator aggregator(int round, Weights global) {
        return new WeightedAverage(global);
    }

    /** Streams {@code Σ nᵢ·wᵢ} and divides by {@code Σ nᵢ} at the end. */
    static final class WeightedAverage implements UpdateAggregator {
        private final WeightedSum sum;

        WeightedAverage(Weights template) {
            this.sum = new WeightedSum(template);
        }

        @Override
        public void add(ClientUpdate update) {
            sum.add(update.weights(), update.numExamples());
        }

        @Override
        public int count() {
            return sum.count();
        }

        @Override
        public Weights result() {
            return sum.mean();
        }
    }
}
