package org.synthray.agent.guard;

import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.op.nn.TopK;

/**
 * Exact nearest-neighbour search by cosine similarity over unit vectors: the reference vectors are
 * one {@code [N, D]} matrix inside a TensorFlow graph, and a batch of queries is answered with one
 * matrix product {@code [B, D] × [D, N]} (oneDNN, all cores) followed by a max and an argmax per
 * row. No Java loop touches the N×D numbers per query.
 */
public final class SimilarityIndex implements AutoCloseable {
    /** Per query: the highest similarity and the index of that reference vector. */
    public record Nearest(float[] similarity, int[] index) {
    }

    private final int dim;
    private final int count;
    private final Graph g = new Graph();
    private final Session s;
    private final Placeholder<TFloat32> q;
    private final Operand<TFloat32> best;
    private final Operand<TInt64> arg;
    private final Placeholder<TInt32> k;
    private final TopK<TFloat32, TInt32> top;

    /** @param vectors {@code count × dim} floats, row-major (unit length for cosine similarity) */
    public SimilarityIndex(float[] vectors, int count, int dim) {
        if (count < 1 || vectors.length != (long) count * dim) {
            throw new IllegalArgumentException("need at least one reference vector of " + dim + " values");
        }
        this.dim = dim;
        this.count = count;
        Ops tf = Ops.create(g);
        Operand<TFloat32> ref = tf.constant(Shape.of(count, dim), DataBuffers.of(vectors, true, false));
        q = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, dim)));
        Operand<TFloat32> sims = tf.linalg.matMul(q, ref, MatMul.transposeB(true));
        best = tf.max(sims, tf.constant(1));
        arg = tf.math.argMax(sims, tf.constant(1), TInt64.class);
        k = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
        top = tf.nn.topK(sims, k, TInt32.class);
        s = new Session(g, ConfigProto.newBuilder().setInterOpParallelismThreads(2).build());
    }

    public int dim() {
        return dim;
    }

    public int size() {
        return count;
    }

    /** Nearest reference of each of {@code n} queries ({@code n × dim} floats). */
    public Nearest nearest(float[] queries, int n) {
        float[] sim = new float[n];
        int[] idx = new int[n];
        int batch = Math.max(1, Math.min(256, (int) (64_000_000L / Math.max(1, count)))); // [B, N] ≤ 256 MB
        for (int start = 0; start < n; start += batch) {
            int m = Math.min(batch, n - start);
            float[] qb = java.util.Arrays.copyOfRange(queries, start * dim, (start + m) * dim);
            try (TFloat32 tq = TFloat32.tensorOf(Shape.of(m, dim), DataBuffers.of(qb, true, false));
                    Result r = s.runner().feed(q, tq).fetch(best).fetch(arg).run()) {
                float[] b = new float[m];
                ((TFloat32) r.get(0)).copyTo(DataBuffers.of(b, false, false));
                long[] a = new long[m];
                ((TInt64) r.get(1)).copyTo(DataBuffers.of(a, false, false));
                for (int i = 0; i < m; i++) {
                    sim[start + i] = b[i];
                    idx[start + i] = (int) a[i];
                }
            }
        }
        return new Nearest(sim, idx);
    }

    /**
     * The {@code k} most similar references of each query, best first: {@code similarity[q*k + j]} and
     * {@code index[q*k + j]}.
     */
    public Nearest nearestK(float[] queries, int n, int kk) {
        int kk2 = Math.min(kk, count);
        float[] sim = new float[n * kk2];
        int[] idx = new int[n * kk2];
        int batch = Math.max(1, Math.min(256, (int) (64_000_000L / Math.max(1, count))));
        for (int start = 0; start < n; start += batch) {
            int m = Math.min(batch, n - start);
            float[] qb = java.util.Arrays.copyOfRange(queries, start * dim, (start + m) * dim);
            try (TFloat32 tq = TFloat32.tensorOf(Shape.of(m, dim), DataBuffers.of(qb, true, false));
                    TInt32 tk = TInt32.scalarOf(kk2);
                    Result r = s.runner().feed(q, tq).feed(k, tk).fetch(top.values()).fetch(top.indices()).run()) {
                float[] b = new float[m * kk2];
                ((TFloat32) r.get(0)).copyTo(DataBuffers.of(b, false, false));
                int[] a = new int[m * kk2];
                ((TInt32) r.get(1)).copyTo(DataBuffers.of(a, false, false));
                System.arraycopy(b, 0, sim, start * kk2, b.length);
                System.arraycopy(a, 0, idx, start * kk2, a.length);
            }
        }
        return new Nearest(sim, idx);
    }

    @Override
    public void close() {
        s.close();
        g.close();
    }
}
