package org.synthray.agent.diffusion;

import java.util.List;
import org.synthray.agent.text.TextEncoderConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The transformer text encoder (pre-norm blocks: self-attention and an MLP), trained together with
 * the U-Net as in RoentGen. Tokens arrive as [B, chunks, chunkLength]; chunks are folded into the
 * batch so attention cost grows linearly with prompt length, then unfolded so the U-Net sees every
 * token of the whole prompt.
 */
final class TextEncoderNet {
    /** context: [B, chunks*chunkLength, dim]; mask: [B, chunks*chunkLength], 1 for real tokens. */
    record Output(Operand<TFloat32> context, Operand<TFloat32> mask) {
    }

    private TextEncoderNet() {
    }

    static Output build(Layers L, TextEncoderConfig cfg, Operand<TInt32> tokens) {
        Ops tf = L.tf;
        int c = cfg.chunkLength();
        int d = cfg.dim();
        Operand<TInt32> flatIds = tf.reshape(tokens, L.ints(-1, c)); // [B*N, C]
        Operand<TFloat32> mask = tf.dtypes.cast(tf.math.notEqual(flatIds, L.ints(0)), TFloat32.class);

        Operand<TFloat32> tokEmb = L.param("text.token_embedding", "normal", 0.02, cfg.vocabSize(), d);
        Operand<TFloat32> posEmb = L.param("text.position_embedding", "normal", 0.02, c, d);
        Operand<TFloat32> chunkEmb = L.param("text.chunk_embedding", "normal", 0.02, cfg.maxChunks(), d);

        Operand<TFloat32> h = tf.gather(tokEmb, flatIds, tf.constant(0)); // [B*N, C, D]
        h = tf.math.add(h, posEmb);
        // Chunk embedding: [B*N, C, D] → [B, N, C, D] + chunk_embedding[0..N) as [1, N, 1, D].
        Operand<TInt32> tokShape = tf.shape(tokens);
        Operand<TInt32> bn = tf.slice(tokShape, L.ints(0), L.ints(2));
        Operand<TInt32> n = tf.slice(tokShape, L.ints(1), L.ints(1));
        Operand<TFloat32> h4 = tf.reshape(h, tf.concat(List.of(bn, L.ints(c, d)), tf.constant(0)));
        Operand<TInt32> chunkIds = tf.range(tf.constant(0), tf.reshape(n, L.ints()), tf.constant(1));
        Operand<TFloat32> ce = tf.reshape(tf.gather(chunkEmb, chunkIds, tf.constant(0)), L.ints(1, -1, 1, d));
        h = tf.reshape(tf.math.add(h4, ce), L.ints(-1, c, d));

        // Padding tokens are never attended to.
        Operand<TFloat32> maskBias = tf.reshape(tf.math.mul(tf.math.sub(mask, L.scalar(1f)), L.scalar(1e9f)),
                L.ints(-1, 1, 1, c));
        int heads = cfg.heads();
        int dh = d / heads;
        for (int i = 0; i < cfg.layers(); i++) {
            String p = "text.block" + i;
            Operand<TFloat32> x = h;
            Operand<TFloat32> n1 = L.perToken(x, d, d, f -> L.layerNorm(p + ".ln1", f, d));
            Operand<TFloat32> q = L.perToken(n1, d, d, f -> L.linear(p + ".q", f, d, d, c, false));
            Operand<TFloat32> k = L.perToken(n1, d, d, f -> L.linear(p + ".k", f, d, d, c, false));
            Operand<TFloat32> v = L.perToken(n1, d, d, f -> L.linear(p + ".v", f, d, d, c, false));
            Operand<TFloat32> a = L.attention(q, k, v, heads, dh, maskBias, c, c);
            a = L.perToken(a, d, d, f -> L.linear(p + ".out", f, d, d, c, false));
            x = tf.math.add(x, a);
            Operand<TFloat32> n2 = L.perToken(x, d, d, f -> L.layerNorm(p + ".ln2", f, d));
            Operand<TFloat32> m = L.perToken(n2, d, 4 * d, f -> L.silu(L.linear(p + ".mlp1", f, d, 4 * d, c, false)));
            m = L.perToken(m, 4 * d, d, f -> L.linear(p + ".mlp2", f, 4 * d, d, c, false));
            h = tf.math.add(x, m);
        }
        Operand<TFloat32> out = L.perToken(h, d, d, f -> L.layerNorm("text.ln_final", f, d));
        // Unfold chunks: [B*N, C, D] → [B, N*C, D].
        Operand<TInt32> b = tf.slice(tokShape, L.ints(0), L.ints(1));
        Operand<TFloat32> context = tf.reshape(out, tf.concat(List.of(b, L.ints(-1, d)), tf.constant(0)));
        Operand<TFloat32> fullMask = tf.reshape(mask, tf.concat(List.of(b, L.ints(-1)), tf.constant(0)));
        return new Output(context, fullMask);
    }
}
