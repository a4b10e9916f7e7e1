package org.synthray.agent.diffusion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Building blocks of the networks, written against a {@link ParamSource} so the same code builds
 * the training forward pass (on the trained variables) and the sampling pass (on their moving
 * averages). Uses only ops whose gradients TensorFlow Java has: conv2d, reshape-based group norm,
 * sigmoid, matMul, batchMatMul, softmax, gather, transpose, nearest resize, concat.
 */
final class Layers {
    /** Where a layer gets its weights from. */
    interface ParamSource {
        Operand<TFloat32> get(ParamSpec spec);
    }

    final Ops tf;
    private final ParamSource source;
    private final FlopCounter flops;
    private final Map<String, ParamSpec> specs = new LinkedHashMap<>();

    Layers(Ops tf, ParamSource source, FlopCounter flops) {
        this.tf = tf;
        this.source = source;
        this.flops = flops;
    }

    /** The parameters in declaration order. */
    List<ParamSpec> specs() {
        return new ArrayList<>(specs.values());
    }

    Operand<TFloat32> param(String name, String init, double std, int... shape) {
        ParamSpec s = new ParamSpec(name, shape, init, std);
        if (specs.put(name, s) != null) {
            throw new IllegalStateException("parameter declared twice: " + name);
        }
        return source.get(s);
    }

    void countFlops(double f) {
        if (flops != null) {
            flops.add(f);
        }
    }

    Operand<TInt32> ints(int... v) {
        return tf.constant(v);
    }

    Operand<TFloat32> scalar(float v) {
        return tf.constant(v);
    }

    /** Convolution with bias, SAME padding, NHWC. h and w are the input's spatial size (for FLOPs). */
    Operand<TFloat32> conv(String name, Operand<TFloat32> x, int cin, int cout, int k, int stride, int h, int w,
            boolean zeroInit) {
        Operand<TFloat32> kernel = param(name + ".w", zeroInit ? "zeros" : "normal",
                1.0 / Math.sqrt(k * k * cin), k, k, cin, cout);
        Operand<TFloat32> bias = param(name + ".b", "zeros", 0, cout);
        countFlops(2.0 * (h / stride) * (w / stride) * k * k * cin * cout);
        Operand<TFloat32> y = tf.nn.conv2d(x, kernel, List.of(1L, (long) stride, (long) stride, 1L), "SAME");
        return tf.nn.biasAdd(y, bias);
    }

    /** x: [rows, in] → [rows, out]. tokens = rows per image, for FLOPs. */
    Operand<TFloat32> linear(String name, Operand<TFloat32> x, int in, int out, double tokens, boolean zeroInit) {
        Operand<TFloat32> w = param(name + ".w", zeroInit ? "zeros" : "normal", 1.0 / Math.sqrt(in), in, out);
        Operand<TFloat32> b = param(name + ".b", "zeros", 0, out);
        countFlops(2.0 * tokens * in * out);
        return tf.nn.biasAdd(tf.linalg.matMul(x, w), b);
    }

    Operand<TFloat32> silu(Operand<TFloat32> x) {
        return tf.math.mul(x, tf.math.sigmoid(x));
    }

    /** Group norm over [-1, h, w, c] by reshaping channels into groups. */
    Operand<TFloat32> groupNorm(String name, Operand<TFloat32> x, int h, int w, int c, int groups) {
        Operand<TFloat32> g = tf.reshape(x, ints(-1, h, w, groups, c / groups));
        Operand<TInt32> axes = ints(1, 2, 4);
        Operand<TFloat32> mean = tf.math.mean(g, axes, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> centred = tf.math.sub(g, mean);
        Operand<TFloat32> var = tf.math.mean(tf.math.square(centred), axes, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> normed = tf.math.mul(centred, tf.math.rsqrt(tf.math.add(var, scalar(1e-5f))));
        Operand<TFloat32> back = tf.reshape(normed, ints(-1, h, w, c));
        Operand<TFloat32> gamma = param(name + ".gamma", "ones", 0, c);
        Operand<TFloat32> beta = param(name + ".beta", "zeros", 0, c);
        return tf.nn.biasAdd(tf.math.mul(back, gamma), beta);
    }

    /** Layer norm over the last axis of [rows, d]. */
    Operand<TFloat32> layerNorm(String name, Operand<TFloat32> x, int d) {
        Operand<TInt32> axis = ints(-1);
        Operand<TFloat32> mean = tf.math.mean(x, axis, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> centred = tf.math.sub(x, mean);
        Operand<TFloat32> var = tf.math.mean(tf.math.square(centred), axis, org.tensorflow.op.math.Mean.keepDims(true));
        Operand<TFloat32> normed = tf.math.mul(centred, tf.math.rsqrt(tf.math.add(var, scalar(1e-5f))));
        Operand<TFloat32> gamma = param(name + ".gamma", "ones", 0, d);
        Operand<TFloat32> beta = param(name + ".beta", "zeros", 0, d);
        return tf.nn.biasAdd(tf.math.mul(normed, gamma), beta);
    }

    /**
     * Multi-head attention. q: [B, Lq, heads*dh], k and v: [B, Lk, heads*dh] (already projected);
     * maskBias: [B, 1, 1, Lk] with 0 for real tokens and a large negative number for padding, or null.
     * The sequence lengths may be dynamic: shapes are rebuilt from {@code batchShape}.
     */
    Operand<TFloat32> attention(Operand<TFloat32> q, Operand<TFloat32> k, Operand<TFloat32> v, int heads, int dh,
            Operand<TFloat32> maskBias, double lq, double lk) {
        Operand<TFloat32> qh = splitHeads(q, heads, dh);
        Operand<TFloat32> kh = splitHeads(k, heads, dh);
        Operand<TFloat32> vh = splitHeads(v, heads, dh);
        Operand<TFloat32> scores = tf.train.batchMatMul(qh, kh, TFloat32.class, BatchMatMul.adjY(true));
        scores = tf.math.mul(scores, scalar((float) (1.0 / Math.sqrt(dh))));
        if (maskBias != null) {
            scores = tf.math.add(scores, maskBias);
        }
        Operand<TFloat32> probs = tf.nn.softmax(scores);
        Operand<TFloat32> out = tf.train.batchMatMul(probs, vh, TFloat32.class);
        countFlops(4.0 * lq * lk * heads * dh);
        // [B, h, Lq, dh] → [B, Lq, h, dh] → [B, Lq, h*dh]
        Operand<TFloat32> t = tf.linalg.transpose(out, ints(0, 2, 1, 3));
        return tf.reshape(t, dynamic(q, heads * dh));
    }

    private Operand<TFloat32> splitHeads(Operand<TFloat32> x, int heads, int dh) {
        // [B, L, h*dh] → [B, L, h, dh] → [B, h, L, dh]
        Operand<TInt32> bl = tf.slice(tf.shape(x), ints(0), ints(2));
        Operand<TFloat32> r = tf.reshape(x, tf.concat(List.of(bl, ints(heads, dh)), tf.constant(0)));
        return tf.linalg.transpose(r, ints(0, 2, 1, 3));
    }

    /** Shape [B, L, last] taking B and L from {@code like} (rank 3). */
    Operand<TInt32> dynamic(Operand<?> like, int last) {
        Operand<TInt32> bl = tf.slice(tf.shape(like), ints(0), ints(2));
        return tf.concat(List.of(bl, ints(last)), tf.constant(0));
    }

    /** Applies {@code f} to [B, L, in] by flattening to [B*L, in] and back to [B, L, out]. */
    Operand<TFloat32> perToken(Operand<TFloat32> x, int in, int out, Function<Operand<TFloat32>, Operand<TFloat32>> f) {
        Operand<TFloat32> flat = tf.reshape(x, ints(-1, in));
        return tf.reshape(f.apply(flat), dynamic(x, out));
    }
}
