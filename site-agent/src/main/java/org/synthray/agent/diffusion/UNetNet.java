package org.synthray.agent.diffusion;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The denoising U-Net: residual blocks with group norm and SiLU, a sinusoidal timestep embedding
 * (plus the pooled prompt, so global findings such as an enlarged heart reach every block), and
 * at the attention levels self-attention over pixels followed by cross-attention to the prompt's
 * tokens. One skip connection per level keeps the up path cheap on CPU.
 */
final class UNetNet {
    private final Layers L;
    private final Ops tf;
    private final ModelConfig cfg;
    private final int tembDim;

    private UNetNet(Layers l, ModelConfig cfg) {
        this.L = l;
        this.tf = l.tf;
        this.cfg = cfg;
        this.tembDim = 4 * cfg.channels()[0];
    }

    /**
     * @param x       noisy image [B, S, S, 1]
     * @param t       timestep as float [B]
     * @param context prompt tokens [B, Lc, D]
     * @param mask    [B, Lc], 1 for real tokens
     * @return the model output (v or ε) [B, S, S, 1]
     */
    static Operand<TFloat32> build(Layers l, ModelConfig cfg, Operand<TFloat32> x, Operand<TFloat32> t,
            Operand<TFloat32> context, Operand<TFloat32> mask) {
        return new UNetNet(l, cfg).forward(x, t, context, mask);
    }

    private Operand<TFloat32> forward(Operand<TFloat32> x, Operand<TFloat32> t, Operand<TFloat32> context,
            Operand<TFloat32> mask) {
        int[] ch = cfg.channels();
        int s = cfg.latentSize();
        int p = cfg.patch();
        int d = cfg.text().dim();
        double ctxTokens = cfg.text().chunkLength(); // FLOPs are counted for a one-chunk prompt

        // Timestep: sinusoidal features → MLP; pooled prompt (masked mean) added.
        Operand<TFloat32> temb = timestepFeatures(t, ch[0]);
        temb = L.linear("unet.time.fc1", temb, ch[0], tembDim, 1, false);
        temb = L.linear("unet.time.fc2", L.silu(temb), tembDim, tembDim, 1, false);
        Operand<TFloat32> maskE = tf.expandDims(mask, tf.constant(-1));
        Operand<TFloat32> pooled = tf.math.div(tf.sum(tf.math.mul(context, maskE), L.ints(1)),
                tf.math.maximum(tf.sum(maskE, L.ints(1)), L.scalar(1f)));
        temb = tf.math.add(temb, L.linear("unet.text_pool", pooled, d, tembDim, 1, false));
        Operand<TFloat32> tact = L.silu(temb);

        Operand<TFloat32> maskBias = tf.expandDims(tf.expandDims(
                tf.math.mul(tf.math.sub(mask, L.scalar(1f)), L.scalar(1e9f)), tf.constant(1)), tf.constant(1));
        Attn attn = new Attn(context, maskBias, d, ctxTokens);

        Operand<TFloat32> in = p == 1 ? x : tf.nn.spaceToDepth(x, (long) p);
        Operand<TFloat32> h = L.conv("unet.conv_in", in, p * p, ch[0], 3, 1, s, s, false);
        Deque<Operand<TFloat32>> skips = new ArrayDeque<>();
        int c = ch[0];
        int size = s;
        for (int lvl = 0; lvl < ch.length; lvl++) {
            for (int b = 0; b < cfg.resBlocks(); b++) {
                String pre = "unet.down" + lvl + ".res" + b;
                h = resBlock(pre, h, c, ch[lvl], size, tact);
                c = ch[lvl];
                if (cfg.attention()[lvl]) {
                    h = attnBlock("unet.down" + lvl + ".attn" + b, h, c, size, attn);
                }
            }
            skips.push(h);
            if (lvl < ch.length - 1) {
                h = L.conv("unet.down" + lvl + ".downsample", h, c, c, 3, 2, size, size, false);
                size /= 2;
            }
        }
        h = resBlock("unet.mid.res0", h, c, c, size, tact);
        h = attnBlock("unet.mid.attn", h, c, size, attn);
        h = resBlock("unet.mid.res1", h, c, c, size, tact);
        for (int lvl = ch.length - 1; lvl >= 0; lvl--) {
            Operand<TFloat32> skip = skips.pop();
            h = tf.concat(List.of(h, skip), tf.constant(3));
            c = c + ch[lvl];
            for (int b = 0; b < cfg.resBlocks(); b++) {
                String pre = "unet.up" + lvl + ".res" + b;
                h = resBlock(pre, h, c, ch[lvl], size, tact);
                c = ch[lvl];
                if (cfg.attention()[lvl]) {
                    h = attnBlock("unet.up" + lvl + ".attn" + b, h, c, size, attn);
                }
            }
            if (lvl > 0) {
                size *= 2;
                h = tf.image.resizeNearestNeighbor(h, L.ints(size, size));
                h = L.conv("unet.up" + lvl + ".upsample", h, c, ch[lvl - 1], 3, 1, size, size, false);
                c = ch[lvl - 1];
            }
        }
        h = L.silu(L.groupNorm("unet.norm_out", h, s, s, c, cfg.groups()));
        Operand<TFloat32> out = L.conv("unet.conv_out", h, c, p * p, 3, 1, s, s, true);
        return p == 1 ? out : tf.nn.depthToSpace(out, (long) p);
    }

    private Operand<TFloat32> timestepFeatures(Operand<TFloat32> t, int dim) {
        int half = dim / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            freqs[i] = (float) Math.exp(-Math.log(10000.0) * i / half);
        }
        Operand<TFloat32> args = tf.math.mul(tf.expandDims(t, tf.constant(1)), tf.constant(new float[][] {freqs}));
        return tf.concat(List.of(tf.math.sin(args), tf.math.cos(args)), tf.constant(1));
    }

    private Operand<TFloat32> resBlock(String p, Operand<TFloat32> x, int cin, int cout, int size,
            Operand<TFloat32> tact) {
        Operand<TFloat32> h = L.silu(L.groupNorm(p + ".norm1", x, size, size, cin, cfg.groups()));
        h = L.conv(p + ".conv1", h, cin, cout, 3, 1, size, size, false);
        Operand<TFloat32> te = L.linear(p + ".time", tact, tembDim, cout, 1, false);
        h = tf.math.add(h, tf.reshape(te, L.ints(-1, 1, 1, cout)));
        h = L.silu(L.groupNorm(p + ".norm2", h, size, size, cout, cfg.groups()));
        // Zero-initialised: every block starts as the identity, which keeps early training stable.
        h = L.conv(p + ".conv2", h, cout, cout, 3, 1, size, size, true);
        Operand<TFloat32> skip = cin == cout ? x : L.conv(p + ".skip", x, cin, cout, 1, 1, size, size, false);
        return tf.math.add(skip, h);
    }

    /** The prompt context shared by every attention block. */
    private record Attn(Operand<TFloat32> context, Operand<TFloat32> maskBias, int dim, double tokens) {
    }

    private Operand<TFloat32> attnBlock(String p, Operand<TFloat32> x, int c, int size, Attn a) {
        int n = size * size;
        int heads = c / cfg.headDim();
        Operand<TFloat32> seq = tf.reshape(x, L.ints(-1, n, c));
        // Self-attention over pixels.
        Operand<TFloat32> hn = tf.reshape(L.groupNorm(p + ".norm_self", x, size, size, c, cfg.groups()),
                L.ints(-1, n, c));
        Operand<TFloat32> q = L.perToken(hn, c, c, f -> L.linear(p + ".self.q", f, c, c, n, false));
        Operand<TFloat32> k = L.perToken(hn, c, c, f -> L.linear(p + ".self.k", f, c, c, n, false));
        Operand<TFloat32> v = L.perToken(hn, c, c, f -> L.linear(p + ".self.v", f, c, c, n, false));
        Operand<TFloat32> o = L.attention(q, k, v, heads, cfg.headDim(), null, n, n);
        o = L.perToken(o, c, c, f -> L.linear(p + ".self.out", f, c, c, n, true));
        seq = tf.math.add(seq, o);
        // Cross-attention to the prompt tokens.
        Operand<TFloat32> sn = tf.reshape(L.groupNorm(p + ".norm_cross", tf.reshape(seq, L.ints(-1, size, size, c)),
                size, size, c, cfg.groups()), L.ints(-1, n, c));
        Operand<TFloat32> cq = L.perToken(sn, c, c, f -> L.linear(p + ".cross.q", f, c, c, n, false));
        Operand<TFloat32> ck = L.perToken(a.context, a.dim, c, f -> L.linear(p + ".cross.k", f, a.dim, c, a.tokens, false));
        Operand<TFloat32> cv = L.perToken(a.context, a.dim, c, f -> L.linear(p + ".cross.v", f, a.dim, c, a.tokens, false));
        Operand<TFloat32> co = L.attention(cq, ck, cv, heads, cfg.headDim(), a.maskBias, n, a.tokens);
        co = L.perToken(co, c, c, f -> L.linear(p + ".cross.out", f, c, c, n, true));
        seq = tf.math.add(seq, co);
        return tf.reshape(seq, L.ints(-1, size, size, c));
    }

}
