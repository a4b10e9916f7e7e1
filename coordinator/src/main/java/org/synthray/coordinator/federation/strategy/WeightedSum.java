package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The streaming core of every averaging strategy: {@code Σ cₖ·xₖ} per tensor, folded in as updates
 * arrive, so memory is one accumulator the size of the model whatever the number of sites.
 *
 * <p>Float32 tensors are accumulated in float32, in a little-endian heap buffer that becomes the
 * result tensor itself: {@link #mean()} scales it in place, so a float32 model's round needs one
 * model of heap, not two. Each add is one loop of {@code getFloat}/{@code putFloat} and
 * {@code Math.fma} over the update's and the accumulator's buffers, which C2 vectorises: memory sees
 * one read of the update and one read and write of the accumulator, and it runs at about the speed
 * of a plain copy of the update. Copying chunks into {@code float[]}s first, a {@code float[]}
 * accumulator, or multiply-then-add all measured slower ({@code docs/benchmarks.md}, "Aggregation").
 * Summing in float32 rounds each addition to 24 bits: with 50 sites the relative error of a mean
 * stays below about 50 · 2⁻²⁴ ≈ 3·10⁻⁶.
 *
 * <p>Float16 tensors use a {@code float[]} accumulator; float64, integer and boolean tensors a
 * {@code double[]} (integer results are rounded to nearest when the mean is written).
 */
final class WeightedSum {
    private final Weights template;
    /** Per tensor: a float32 accumulator ({@link ByteBuffer}), {@code float[]} or {@code double[]}; null once handed out. */
    private final Object[] sums;
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
            sums[i] = t.dtype() == DType.FLOAT32 ? TensorValues.allocate(t)
                    : t.dtype() == DType.FLOAT16 ? new float[n] : new double[n];
        }
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
        if (s instanceof ByteBuffer acc) {
            addFloat32(acc, data, (float) coefficient);
        } else if (s instanceof float[] acc) {
            float c = (float) coefficient;
            for (int off = 0; off < acc.length; off += TensorValues.CHUNK) {
                int len = Math.min(TensorValues.CHUNK, acc.length - off);
                TensorValues.read(data, t.dtype(), off, floatChunk, len);
                for (int j = 0; j < len; j++) {
                    acc[off + j] = Math.fma(c, floatChunk[j], acc[off + j]);
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

    /**
     * {@code acc += c · src} over little-endian float32 buffers of equal size: one loop of absolute
     * {@code getFloat}/{@code putFloat} with {@code Math.fma}, which C2 turns into vector loads,
     * fused multiply-adds and stores straight on the buffers' memory (measured: at the speed of a plain
     * copy, and about twice as fast as copying chunks into {@code float[]}s first).
     */
    static void addFloat32(ByteBuffer acc, ByteBuffer src, float c) {
        int bytes = acc.limit();
        for (int p = 0; p < bytes; p += 4) {
            acc.putFloat(p, Math.fma(c, src.getFloat(p), acc.getFloat(p)));
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

    /**
     * Tensor {@code i}'s accumulator, handed over once: a little-endian float32 {@link ByteBuffer},
     * a {@code float[]} or a {@code double[]}; read it with {@link #valueAt}.
     */
    Object take(int i) {
        Object s = sums[i];
        if (s == null) {
            throw new IllegalStateException("the sum of tensor " + i + " was already handed out");
        }
        sums[i] = null;
        return s;
    }

    /** Element {@code index} of an accumulator that {@link #take} handed out. */
    static double valueAt(Object acc, int index) {
        if (acc instanceof ByteBuffer b) {
            return b.getFloat(index << 2);
        }
        if (acc instanceof float[] f) {
            return f[index];
        }
        return ((double[]) acc)[index];
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
            Object s = take(i);
            if (s instanceof ByteBuffer acc) {
                // Scaled in place: the accumulator becomes the result tensor.
                float factorF = (float) factor;
                int bytes = acc.limit();
                for (int p = 0; p < bytes; p += 4) {
                    acc.putFloat(p, acc.getFloat(p) * factorF);
                }
                out.add(new Tensor(t.name(), t.dtype(), t.shape(), acc));
                continue;
            }
            ByteBuffer buf = TensorValues.allocate(t);
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
