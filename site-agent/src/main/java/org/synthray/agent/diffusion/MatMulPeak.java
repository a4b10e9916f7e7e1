package org.synthray.agent.diffusion;

import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * The machine's matrix-product peak as TensorFlow reaches it: what {@code bench} compares training
 * throughput with. Kept out of the command class, so that the command line can be built where
 * TensorFlow is not on the class path (the coordinator's tests drive the agent's publish command).
 */
public final class MatMulPeak {
    private MatMulPeak() {
    }

    /** FLOP/s of an n×n MatMul in TensorFlow with the same session settings as the model. */
    public static double flopsPerSecond(int n) {
        try (Graph g = new Graph()) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> a = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, n)));
            Placeholder<TFloat32> b = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, n)));
            // Reduce to a scalar so fetching the result costs nothing next to the product.
            Operand<TFloat32> sum = tf.sum(tf.linalg.matMul(a, b), tf.constant(new int[] {0, 1}));
            float[] v = new float[n * n];
            SplittableRandom r = new SplittableRandom(0);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble();
            }
            try (Session s = new Session(g, ConfigProto.newBuilder().setInterOpParallelismThreads(2).build());
                    TFloat32 ta = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(v, true, false));
                    TFloat32 tb = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(v, true, false))) {
                double best = 0;
                for (int k = 0; k < 8; k++) {
                    long t0 = System.nanoTime();
                    try (Result res = s.runner().feed(a, ta).feed(b, tb).fetch(sum).run()) {
                        double secs = (System.nanoTime() - t0) / 1e9;
                        if (k > 0) {
                            best = Math.max(best, 2.0 * n * n * n / secs);
                        }
                    }
                }
                return best;
            }
        }
    }
}
