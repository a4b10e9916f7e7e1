package org.synthray.coordinator.federation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Federated averaging (McMahan et al. 2017): the new global model is the average of the clients'
 * weights, weighted by their number of training examples. Like Flower's FedAvg it samples a fraction
 * of the available clients (at least the minimum) and adds no config keys of its own; the config
 * comes from {@code fitConfig}/{@code evaluateConfig}.
 */
public class FedAvg implements Strategy {
    private final double fractionFit;
    private final double fractionEvaluate;
    private final int minFitClients;
    private final int minEvaluateClients;
    private final IntFunction<Map<String, Scalar>> fitConfig;
    private final IntFunction<Map<String, Scalar>> evaluateConfig;
    private final Random random;

    public FedAvg(double fractionFit, double fractionEvaluate, int minFitClients, int minEvaluateClients,
                  IntFunction<Map<String, Scalar>> fitConfig, IntFunction<Map<String, Scalar>> evaluateConfig,
                  long seed) {
        if (fractionFit <= 0 || fractionFit > 1 || fractionEvaluate < 0 || fractionEvaluate > 1) {
            throw new IllegalArgumentException("fractions must be in (0, 1] for fit and [0, 1] for evaluate");
        }
        if (minFitClients < 1) {
            throw new IllegalArgumentException("min fit clients must be at least 1, got " + minFitClients);
        }
        this.fractionFit = fractionFit;
        this.fractionEvaluate = fractionEvaluate;
        this.minFitClients = minFitClients;
        this.minEvaluateClients = minEvaluateClients;
        this.fitConfig = fitConfig;
        this.evaluateConfig = evaluateConfig;
        this.random = new Random(seed);
    }

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public int minFitResults() {
        return minFitClients;
    }

    @Override
    public List<ClientTask> configureFit(int round, Weights global, List<String> available) {
        Map<String, Scalar> config = fitConfig.apply(round);
        return sample(available, fractionFit, minFitClients).stream()
                .map(c -> new ClientTask(c, global, config)).toList();
    }

    @Override
    public List<ClientTask> configureEvaluate(int round, Weights global, List<String> available) {
        if (fractionEvaluate == 0) {
            return List.of();
        }
        Map<String, Scalar> config = evaluateConfig.apply(round);
        return sample(available, fractionEvaluate, minEvaluateClients).stream()
                .map(c -> new ClientTask(c, global, config)).toList();
    }

    private List<String> sample(List<String> available, double fraction, int min) {
        int n = Math.max(min, (int) Math.ceil(fraction * available.size()));
        if (n >= available.size()) {
            return available;
        }
        List<String> shuffled = new ArrayList<>(available);
        Collections.shuffle(shuffled, random);
        return shuffled.subList(0, n);
    }

    @Override
    public UpdateAggregator aggregator(int round, Weights global) {
        return new WeightedAverage(global);
    }

    /**
     * Streams Σ nᵢ·wᵢ into one double accumulator per tensor and divides by Σ nᵢ at the end; the
     * result keeps each tensor's dtype (integers rounded to nearest).
     */
    static final class WeightedAverage implements UpdateAggregator {
        private final Weights template;
        private final double[][] sums;
        private double totalExamples;
        private int count;

        WeightedAverage(Weights template) {
            this.template = template;
            this.sums = new double[template.size()][];
            for (int i = 0; i < template.size(); i++) {
                sums[i] = new double[Math.toIntExact(template.get(i).elementCount())];
            }
        }

        @Override
        public void add(ClientUpdate update) {
            double n = update.numExamples();
            for (int i = 0; i < sums.length; i++) {
                Tensor t = update.weights().get(i);
                double[] s = sums[i];
                if (t.dtype() == DType.FLOAT32) {
                    java.nio.FloatBuffer fb = t.data().asFloatBuffer();
                    for (int j = 0; j < s.length; j++) {
                        s[j] += n * fb.get(j);
                    }
                } else {
                    for (int j = 0; j < s.length; j++) {
                        s[j] += n * t.getDouble(j);
                    }
                }
            }
            totalExamples += n;
            count++;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public Weights result() {
            List<Tensor> out = new ArrayList<>(sums.length);
            for (int i = 0; i < sums.length; i++) {
                Tensor t = template.get(i);
                double[] avg = new double[sums[i].length];
                for (int j = 0; j < avg.length; j++) {
                    avg[j] = sums[i][j] / totalExamples;
                }
                out.add(Tensor.fromDoubles(t.name(), t.dtype(), t.shape(), avg));
            }
            return new Weights(out);
        }
    }
}
