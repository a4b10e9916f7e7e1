package org.synthray.agent.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * A small CNN trained on the real training split to recognise {@link FindingClasses}; its pooled
 * last-layer activations are the feature space of the Fréchet distance (a chest X-ray stand-in for
 * the Inception features of FID, which are trained on photographs and not shipped here).
 */
public final class XrayClassifier implements AutoCloseable {
    private static final int[] WIDTHS = {16, 32, 64, 128, 128};
    private final int size;
    private final int classes;
    private final Graph g = new Graph();
    private final Session s;
    private final Placeholder<TFloat32> x;
    private final Placeholder<TFloat32> y;
    private final Operand<TFloat32> features;
    private final Operand<TFloat32> probs;
    private final Operand<TFloat32> loss;
    private final Op train;
    private final List<Operand<TFloat32>> variables = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();

    public XrayClassifier(int size, int classes, long seed) {
        this(size, classes, seed, null);
    }

    /**
     * A classifier with given weights (as {@link #weights()} returned them), e.g. the one a privacy
     * guard was calibrated with.
     */
    public XrayClassifier(int size, int classes, List<float[]> weights) {
        this(size, classes, 0, java.util.Objects.requireNonNull(weights, "weights"));
    }

    private XrayClassifier(int size, int classes, long seed, List<float[]> given) {
        this.size = size;
        this.classes = classes;
        Ops tf = Ops.create(g);
        SplittableRandom rnd = new SplittableRandom(seed);
        x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 1)));
        y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, classes)));
        Operand<TFloat32> h = x;
        int cin = 1;
        for (int i = 0; i < WIDTHS.length; i++) {
            int cout = WIDTHS[i];
            Operand<TFloat32> k = variable(tf, rnd, given, Math.sqrt(2.0 / (9 * cin)), 3, 3, cin, cout);
            Operand<TFloat32> b = variable(tf, rnd, given, 0, cout);
            long stride = i == 0 ? 1 : 2;
            h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, k, List.of(1L, stride, stride, 1L), "SAME"), b));
            cin = cout;
        }
        features = tf.math.mean(h, tf.constant(new int[] {1, 2}));
        Operand<TFloat32> w = variable(tf, rnd, given, Math.sqrt(1.0 / cin), cin, classes);
        Operand<TFloat32> bias = variable(tf, rnd, given, 0, classes);
        Operand<TFloat32> logits = tf.nn.biasAdd(tf.linalg.matMul(features, w), bias);
        probs = tf.nn.softmax(logits);
        loss = tf.math.neg(tf.math.mean(tf.sum(tf.math.mul(y, tf.nn.logSoftmax(logits)), tf.constant(1)),
                tf.constant(0)));
        train = new Adam(g, 1e-3f).minimize(loss);
        s = new Session(g, ConfigProto.newBuilder().setInterOpParallelismThreads(2).build());
        s.initialize();
    }

    private Operand<TFloat32> variable(Ops tf, SplittableRandom r, List<float[]> given, double std, int... shape) {
        Operand<TFloat32> init;
        if (given == null) {
            init = init(tf, r, std, shape);
        } else {
            int i = variables.size();
            long[] dims = java.util.Arrays.stream(shape).asLongStream().toArray();
            long n = java.util.Arrays.stream(dims).reduce(1, (a, b) -> a * b);
            if (i >= given.size() || given.get(i).length != n) {
                throw new IllegalArgumentException("classifier weights do not fit: tensor " + i + " should hold " + n + " values");
            }
            init = tf.constant(Shape.of(dims), DataBuffers.of(given.get(i), true, false));
        }
        Operand<TFloat32> v = tf.variable(init);
        variables.add(v);
        shapes.add(shape);
        return v;
    }

    /** The trained weights, one array per variable in creation order (kernels, biases). */
    public List<float[]> weights() {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
            try (Result res = s.runner().fetch(variables.get(i)).run()) {
                int n = java.util.Arrays.stream(shapes.get(i)).reduce(1, (a, b) -> a * b);
                float[] f = new float[n];
                ((TFloat32) res.get(0)).copyTo(DataBuffers.of(f, false, false));
                out.add(f);
            }
        }
        return out;
    }

    /** The shapes of {@link #weights()}. */
    public List<int[]> weightShapes() {
        return List.copyOf(shapes);
    }

    /** Length of a feature vector. */
    public static int featureDim() {
        return WIDTHS[WIDTHS.length - 1];
    }

    private static Operand<TFloat32> init(Ops tf, SplittableRandom r, double std, int... shape) {
        int n = 1;
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            dims[i] = shape[i];
        }
        float[] v = new float[n];
        for (int i = 0; i < n && std > 0; i++) {
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return tf.constant(Shape.of(dims), DataBuffers.of(v, true, false));
    }

    /**
     * Trains with class-balanced batches (each batch draws classes uniformly, then an image of that
     * class), so the rare findings are learned and "No Finding" does not win by majority.
     *
     * @param labels class per image, -1 to leave an image out
     * @return mean loss of the last 50 steps
     */
    public double train(float[] images, int[] labels, int steps, int batch, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= 0) {
                byClass.get(labels[i]).add(i);
            }
        }
        List<Integer> present = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            if (!byClass.get(c).isEmpty()) {
                present.add(c);
            }
        }
        if (present.isEmpty()) {
            throw new IllegalArgumentException("no training image belongs to any class");
        }
        SplittableRandom r = new SplittableRandom(seed);
        int px = size * size;
        double tail = 0;
        int tailN = 0;
        for (int step = 0; step < steps; step++) {
            float[] xb = new float[batch * px];
            float[] yb = new float[batch * classes];
            for (int i = 0; i < batch; i++) {
                int c = present.get(r.nextInt(present.size()));
                List<Integer> pool = byClass.get(c);
                int idx = pool.get(r.nextInt(pool.size()));
                // A shift of up to 2 px: positioning varies between films, the finding does not.
                int dx = r.nextInt(5) - 2;
                int dy = r.nextInt(5) - 2;
                for (int yy = 0; yy < size; yy++) {
                    int sy = Math.min(size - 1, Math.max(0, yy + dy));
                    for (int xx = 0; xx < size; xx++) {
                        int sx = Math.min(size - 1, Math.max(0, xx + dx));
                        xb[i * px + yy * size + xx] = images[idx * px + sy * size + sx];
                    }
                }
                yb[i * classes + c] = 1;
            }
            try (TFloat32 tx = TFloat32.tensorOf(Shape.of(batch, size, size, 1), DataBuffers.of(xb, true, false));
                    TFloat32 ty = TFloat32.tensorOf(Shape.of(batch, classes), DataBuffers.of(yb, true, false));
                    Result res = s.runner().feed(x, tx).feed(y, ty).addTarget(train).fetch(loss).run()) {
                if (step >= steps - 50) {
                    tail += ((TFloat32) res.get(0)).getFloat();
                    tailN++;
                }
            }
        }
        return tail / Math.max(1, tailN);
    }

    /** Pooled features, n×128. */
    public double[][] features(float[] images, int n) {
        return run(images, n, features, WIDTHS[WIDTHS.length - 1]);
    }

    /** Class probabilities, n×classes. */
    public double[][] probabilities(float[] images, int n) {
        return run(images, n, probs, classes);
    }

    /** Index of the most probable class per image. */
    public int[] predict(float[] images, int n) {
        double[][] p = probabilities(images, n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                if (p[i][c] > p[i][best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private double[][] run(float[] images, int n, Operand<TFloat32> what, int dim) {
        int px = size * size;
        double[][] out = new double[n][dim];
        int batch = 64;
        for (int start = 0; start < n; start += batch) {
            int m = Math.min(batch, n - start);
            float[] xb = java.util.Arrays.copyOfRange(images, start * px, (start + m) * px);
            try (TFloat32 tx = TFloat32.tensorOf(Shape.of(m, size, size, 1), DataBuffers.of(xb, true, false));
                    Result res = s.runner().feed(x, tx).fetch(what).run()) {
                float[] f = new float[m * dim];
                ((TFloat32) res.get(0)).copyTo(DataBuffers.of(f, false, false));
                for (int i = 0; i < m; i++) {
                    for (int k = 0; k < dim; k++) {
                        out[start + i][k] = f[i * dim + k];
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        s.close();
        g.close();
    }
}
