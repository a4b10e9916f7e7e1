package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The streaming core of every averaging strategy: {@code Σ cₖ·xₖ} per tensor, folded in as updates
 * arrive, so memory is one accumulator the size of the model whatever the number of sites.
 *
 * <p>Accumulators: {@code float[]} for float32 and float16 tensors (so the accumulator of a float32
 * model is exactly the model's size), {@code double[]} for float64, integer and boolean tensors. The
 * float32 path copies a chunk of the update's bytes into a reusable {@code float[]} (a bulk copy the
 * JDK does with one memory move) and adds it with a plain multiply-add loop that C2 compiles to
 * vector instructions; reading the buffer element by element, or {@code Math.fma}, is slower (see
 * {@code docs/benchmarks.md}). Summing in float32 rounds each addition to 24 bits: with 50 sites the
 * relative error of a mean stays below about 50 · 2⁻²⁴ ≈ 3·10⁻⁶.
 *
 * <p>{@link #mean()} hands each tensor's accumulator back as the result tensor is written and drops
 * it, so the peak is the accumulator plus one result tensor, not two models.
 */
final class WeightedSum {
    private final Weights template;
    private final Object[] sums; // float[] or double[] per tensor; null once handed out
    private final float[] floatChunk = new float[TensorValues.CHUNK];
    private final double[] doubleChunk = new double[TensorValues.CHUNK];
    private double totalWeight;
    private int count;

    WeightedSum(Weights template) {
        this.template = template;
        this.sums = new Object[template.size()];
        for (int i = 0; i < sums.length; i++) {
            Tensor t = template.get(i);
            int n = TensorValues.elements(t);
            sums[i] = usesFloat(t.dtype()) ? new float[n] : new double[n];
        }
    }

    static boolean usesFloat(DType dtype) {
        return dtype == DType.FLOAT32 || dtype == DType.FLOAT16;
    }

    Weights template() {
        return template;
    }

    /** Adds {@code coefficient · w}; {@code w} has the template's dtypes and shapes. */
    void add(Weights w, double coefficient) {
        for (int i = 0; i < sums.length; i++) {
            addTensor(i, w.get(i), coefficient);
        }
        totalWeight += coefficient;
        count++;
    }

    /** Adds {@code coefficient · t} to tensor {@code i} only (the caller keeps the totals). */
    void addTensor(int i, Tensor t, double coefficient) {
        Object s = sums[i];
        if (s == null) {
            throw new IllegalStateException("the sum was already handed out");
        }
        ByteBuffer data = t.data();
        if (s instanceof float[] acc) {
            if (t.dtype() == DType.FLOAT32) {
                addFloat32(acc, data.asFloatBuffer(), (float) coefficient, floatChunk);
            } else {
                float c = (float) coefficient;
                for (int off = 0; off < acc.length; off += TensorValues.CHUNK) {
                    int len = Math.min(TensorValues.CHUNK, acc.length - off);
                    TensorValues.read(data, t.dtype(), off, floatChunk, len);
                    axpy(acc, off, floatChunk, len, c);
                }
            }
        } else {
            double[] acc = (double[]) s;
            if (t.dtype() == DType.FLOAT64) {
                addFloat64(acc, data.asDoubleBuffer(), coefficient, doubleChunk);
            } else {
                for (int off = 0; off < acc.length; off += TensorValues.CHUNK) {
                    int len = Math.min(TensorValues.CHUNK, acc.length - off);
                    TensorValues.read(data, t.dtype(), off, doubleChunk, len);
                    for (int j = 0; j < len; j++) {
                        acc[off + j] += coefficient * doubleChunk[j];
                    }
                }
            }
        }
    }

    /** {@code acc += c · src}, chunk by chunk through {@code chunk}. */
    static void addFloat32(float[] acc, FloatBuffer src, float c, float[] chunk) {
        int n = acc.length;
        int step = chunk.length;
        for (int off = 0; off < n; off += step) {
            int len = Math.min(step, n - off);
            src.get(off, chunk, 0, len);
            axpy(acc, off, chunk, len, c);
        }
    }

    private static void axpy(float[] acc, int off, float[] x, int len, float c) {
        for (int j = 0; j < len; j++) {
            acc[off + j] += c * x[j];
        }
    }

    private static void addFloat64(double[] acc, DoubleBuffer src, double c, double[] chunk) {
        int n = acc.length;
        for (int off = 0; off < n; off += chunk.length) {
            int len = Math.min(chunk.length, n - off);
            src.get(off, chunk, 0, len);
            for (int j = 0; j < len; j++) {
                acc[off + j] += c * chunk[j];
            }
        }
    }

    void addedOne(double coefficient) {
        totalWeight += coefficient;
        count++;
    }

    int count() {
        return count;
    }

    double totalWeight() {
        return totalWeight;
    }

    /** Tensor {@code i}'s accumulator ({@code float[]} or {@code double[]}), handed over once. */
    Object take(int i) {
        Object s = sums[i];
        if (s == null) {
            throw new IllegalStateException("the sum of tensor " + i + " was already handed out");
        }
        sums[i] = null;
        return s;
    }

    /**
     * {@code Σ cₖ·xₖ / Σ cₖ} in each tensor's dtype; consumes the sum. Integer tensors are rounded
     * to nearest (ties to even), booleans are true from 0.5.
     */
    Weights mean() {
        if (count == 0 || !(totalWeight > 0)) {
            throw new IllegalStateException("no update to average");
        }
        return scaled(1.0 / totalWeight);
    }

    /** Every tensor's sum times {@code factor}, in its dtype; consumes the sum. */
    Weights scaled(double factor) {
        List<Tensor> out = new ArrayList<>(sums.length);
        for (int i = 0; i < sums.length; i++) {
            Tensor t = template.get(i);
            ByteBuffer buf = TensorValues.allocate(t);
            Object s = take(i);
            if (s instanceof float[] acc) {
                float f = (float) factor;
                for (int off = 0; off < acc.length; off += TensorValues.CHUNK) {
                    int len = Math.min(TensorValues.CHUNK, acc.length - off);
                    for (int j = 0; j < len; j++) {
                        floatChunk[j] = acc[off + j] * f;
                    }
                    TensorValues.write(buf, t.dtype(), off, floatChunk, len);
                }
            } else {
                double[] acc = (double[]) s;
                for (int off = 0; off < acc.length; off += TensorValues.CHUNK) {
                    int len = Math.min(TensorValues.CHUNK, acc.length - off);
                    for (int j = 0; j < len; j++) {
                        doubleChunk[j] = acc[off + j] * factor;
                    }
                    TensorValues.write(buf, t.dtype(), off, doubleChunk, len);
                }
            }
            out.add(new Tensor(t.name(), t.dtype(), t.shape(), buf));
        }
        return new Weights(out);
    }
}
