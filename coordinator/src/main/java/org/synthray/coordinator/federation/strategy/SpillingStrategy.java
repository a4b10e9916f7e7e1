package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Base of the robust strategies, which need every update of a round at once: updates are spilled to
 * disk as they arrive ({@link SpilledUpdates}) and the statistic is computed chunk by chunk when the
 * round closes. They ignore the sites' example counts (a Byzantine site could lie about them).
 */
public abstract class SpillingStrategy extends BaseStrategy {

    protected SpillingStrategy(StrategyContext context) {
        super(context);
    }

    @Override
    public UpdateAggregator aggregator(int round, Weights global) {
        SpilledUpdates spill = new SpilledUpdates(global, context.spillDirectory(),
                "synthray-" + name() + "-round" + round + "-");
        return new UpdateAggregator() {
            @Override
            public void add(ClientUpdate update) {
                spill.add(update);
            }

            @Override
            public int count() {
                return spill.size();
            }

            @Override
            public Weights result() {
                try {
                    return aggregate(round, spill);
                } finally {
                    spill.close();
                }
            }

            @Override
            public void close() {
                spill.close();
            }

            @Override
            public String toString() {
                return name() + " aggregator spilling to " + spill.paths();
            }
        };
    }

    /** The new model from the spilled updates (at least one). */
    protected abstract Weights aggregate(int round, SpilledUpdates updates);

    /** Reduces the {@code n} values of one coordinate ({@code column[0, n)}, may be reordered) to one. */
    @FunctionalInterface
    protected interface CoordinateStatistic {
        double apply(double[] column, int n);
    }

    /** A model whose every element is {@code statistic} over all updates' values of that element. */
    protected static Weights coordinateWise(SpilledUpdates updates, CoordinateStatistic statistic) {
        Weights template = updates.template();
        int n = updates.size();
        double[][] rows = updates.rows(n);
        int chunk = rows[0].length;
        double[] column = new double[n];
        double[] outChunk = new double[chunk];
        List<Tensor> out = new ArrayList<>(template.size());
        for (int i = 0; i < template.size(); i++) {
            Tensor t = template.get(i);
            int elements = TensorValues.elements(t);
            ByteBuffer buf = TensorValues.allocate(t);
            for (int from = 0; from < elements; from += chunk) {
                int len = Math.min(chunk, elements - from);
                for (int k = 0; k < n; k++) {
                    updates.read(k, i, from, len, rows[k]);
                }
                for (int j = 0; j < len; j++) {
                    for (int k = 0; k < n; k++) {
                        column[k] = rows[k][j];
                    }
                    outChunk[j] = statistic.apply(column, n);
                }
                TensorValues.write(buf, t.dtype(), from, outChunk, len);
            }
            out.add(new Tensor(t.name(), t.dtype(), t.shape(), buf));
        }
        return new Weights(out);
    }

    /** The unweighted mean of the chosen updates, chunk by chunk. */
    protected static Weights mean(SpilledUpdates updates, int[] chosen) {
        Weights template = updates.template();
        double[][] rows = updates.rows(1);
        double[] row = rows[0];
        int chunk = row.length;
        double[] sum = new double[chunk];
        List<Tensor> out = new ArrayList<>(template.size());
        for (int i = 0; i < template.size(); i++) {
            Tensor t = template.get(i);
            int elements = TensorValues.elements(t);
            ByteBuffer buf = TensorValues.allocate(t);
            for (int from = 0; from < elements; from += chunk) {
                int len = Math.min(chunk, elements - from);
                java.util.Arrays.fill(sum, 0, len, 0.0);
                for (int k : chosen) {
                    updates.read(k, i, from, len, row);
                    for (int j = 0; j < len; j++) {
                        sum[j] += row[j];
                    }
                }
                for (int j = 0; j < len; j++) {
                    sum[j] /= chosen.length;
                }
                TensorValues.write(buf, t.dtype(), from, sum, len);
            }
            out.add(new Tensor(t.name(), t.dtype(), t.shape(), buf));
        }
        return new Weights(out);
    }

    /** Sorts {@code a[0, n)} ascending; insertion sort, as n (the sites of a round) is small. */
    static void sortSmall(double[] a, int n) {
        if (n > 64) {
            java.util.Arrays.sort(a, 0, n);
            return;
        }
        for (int i = 1; i < n; i++) {
            double x = a[i];
            int j = i - 1;
            while (j >= 0 && a[j] > x) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }
}
