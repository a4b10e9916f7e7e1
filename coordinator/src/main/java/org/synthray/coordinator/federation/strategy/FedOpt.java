package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.StatefulStrategy;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Adaptive federated optimisation (Reddi et al. 2021), in Flower's formulation: the round's
 * pseudo-gradient is {@code Δ = (example-weighted average of the sites' weights) − global}; the server
 * keeps moments per parameter,
 * <pre>
 *   m ← β₁·m + (1 − β₁)·Δ
 *   v ← (rule of the subclass)
 *   w ← w + η_t · m / (√v + τ)
 * </pre>
 * with m and v starting at zero. The moments live in this instance from round to round and are
 * exposed by {@link #state()} ({@code m/<tensor>} and {@code v/<tensor>}, float32, the tensor's shape)
 * so a restarted coordinator continues with them.
 *
 * <p>Only floating-point tensors are optimised; integer and boolean tensors (counters such as
 * BatchNorm's {@code num_batches_tracked}) take the example-weighted average, as in FedAvg.
 * Memory: the running sum, m and v are each the size of the model.
 */
public abstract class FedOpt extends BaseStrategy implements StatefulStrategy {
    protected final double eta;
    protected final double beta1;
    protected final double beta2;
    protected final double tau;
    /** Moments by tensor name, in model order; empty before the first round. */
    private final Map<String, float[]> m = new LinkedHashMap<>();
    private final Map<String, float[]> v = new LinkedHashMap<>();
    private final Map<String, int[]> shapes = new LinkedHashMap<>();

    protected FedOpt(StrategyContext context, double eta, double beta1, double beta2, double tau) {
        super(context);
        check("eta", eta, eta > 0);
        check("beta1", beta1, beta1 >= 0 && beta1 < 1);
        check("beta2", beta2, beta2 >= 0 && beta2 < 1);
        check("tau", tau, tau > 0);
        this.eta = eta;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.tau = tau;
    }

    private static void check(String name, double value, boolean ok) {
        if (!ok || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }

    /** The second-moment rule: the new v from the old one and the pseudo-gradient {@code d}. */
    protected abstract double nextV(double v, double d);

    /** The server learning rate of this round (FedAdam corrects it for the moments' bias). */
    protected double stepSize(int round) {
        return eta;
    }

    @Override
    public UpdateAggregator aggregator(int round, Weights global) {
        checkStateFits(global);
        return new Aggregator(round, global);
    }

    private void checkStateFits(Weights global) {
        if (m.isEmpty()) {
            return;
        }
        for (Tensor t : global) {
            if (!t.dtype().isFloatingPoint()) {
                continue;
            }
            float[] mt = m.get(t.name());
            if (mt == null || mt.length != t.elementCount()) {
                throw new IllegalArgumentException("the " + name() + " optimiser state does not fit the model: tensor '"
                        + t.name() + "' " + (mt == null ? "has no moments" : "has " + mt.length
                        + " moments for " + t.elementCount() + " elements"));
            }
        }
    }

    private final class Aggregator implements UpdateAggregator {
        private final int round;
        private final Weights global;
        private final WeightedSum sum;

        Aggregator(int round, Weights global) {
            this.round = round;
            this.global = global;
            this.sum = new WeightedSum(global);
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
            double total = sum.totalWeight();
            double step = stepSize(round);
            List<Tensor> out = new ArrayList<>(global.size());
            double[] g = new double[TensorValues.CHUNK];
            double[] next = new double[TensorValues.CHUNK];
            for (int i = 0; i < global.size(); i++) {
                Tensor gt = global.get(i);
                Object acc = sum.take(i);
                int n = TensorValues.elements(gt);
                ByteBuffer data = gt.data();
                ByteBuffer buf = TensorValues.allocate(gt);
                boolean optimise = gt.dtype().isFloatingPoint();
                float[] mt = optimise ? m.computeIfAbsent(gt.name(), k -> new float[n]) : null;
                float[] vt = optimise ? v.computeIfAbsent(gt.name(), k -> new float[n]) : null;
                if (optimise) {
                    shapes.put(gt.name(), gt.shape());
                }
                for (int off = 0; off < n; off += TensorValues.CHUNK) {
                    int len = Math.min(TensorValues.CHUNK, n - off);
                    for (int j = 0; j < len; j++) {
                        double mean = WeightedSum.valueAt(acc, off + j) / total;
                        next[j] = mean;
                    }
                    if (optimise) {
                        TensorValues.read(data, gt.dtype(), off, g, len);
                        for (int j = 0; j < len; j++) {
                            int p = off + j;
                            double d = next[j] - g[j];
                            double mp = beta1 * mt[p] + (1 - beta1) * d;
                            double vp = nextV(vt[p], d);
                            mt[p] = (float) mp;
                            vt[p] = (float) vp;
                            next[j] = g[j] + step * mp / (Math.sqrt(vp) + tau);
                        }
                    }
                    TensorValues.write(buf, gt.dtype(), off, next, len);
                }
                out.add(new Tensor(gt.name(), gt.dtype(), gt.shape(), buf));
            }
            return new Weights(out);
        }
    }

    @Override
    public Weights state() {
        List<Tensor> out = new ArrayList<>(2 * m.size());
        for (String name : m.keySet()) {
            out.add(Tensor.ofFloats("m/" + name, shapes.get(name), m.get(name)));
        }
        for (String name : v.keySet()) {
            out.add(Tensor.ofFloats("v/" + name, shapes.get(name), v.get(name)));
        }
        return new Weights(out);
    }

    @Override
    public void restore(Weights state) {
        Map<String, float[]> newM = new LinkedHashMap<>();
        Map<String, float[]> newV = new LinkedHashMap<>();
        Map<String, int[]> newShapes = new LinkedHashMap<>();
        for (Tensor t : state) {
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException("optimiser state tensor '" + t.name() + "' must be float32, got "
                        + t.dtype().descr());
            }
            String n = t.name();
            if (n.startsWith("m/")) {
                newM.put(n.substring(2), t.toFloatArray());
                newShapes.put(n.substring(2), t.shape());
            } else if (n.startsWith("v/")) {
                newV.put(n.substring(2), t.toFloatArray());
            } else {
                throw new IllegalArgumentException("'" + n + "' is not part of the " + name()
                        + " optimiser state (expected m/<tensor> and v/<tensor>)");
            }
        }
        if (!newM.keySet().equals(newV.keySet())) {
            throw new IllegalArgumentException("optimiser state needs m and v for the same tensors, got m for "
                    + newM.keySet() + " and v for " + newV.keySet());
        }
        for (String n : newM.keySet()) {
            if (newM.get(n).length != newV.get(n).length) {
                throw new IllegalArgumentException("optimiser state of '" + n + "': m and v differ in size");
            }
        }
        m.clear();
        v.clear();
        shapes.clear();
        m.putAll(newM);
        v.putAll(newV);
        shapes.putAll(newShapes);
    }
}
