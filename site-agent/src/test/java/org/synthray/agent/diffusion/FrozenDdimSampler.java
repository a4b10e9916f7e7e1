package org.synthray.agent.diffusion;

import org.synthray.agent.text.PromptTokens;

/**
 * The DDIM sampler as it was before schedulers existed (it owned the denoising loop), kept verbatim
 * as the reference that {@link DdimScheduler} driven by {@link TextToImagePipeline} must reproduce.
 */
final class FrozenDdimSampler {
    private FrozenDdimSampler() {
    }

    static int[] timesteps(int steps, int T) {
        int n = Math.min(steps, T);
        int[] ts = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = n == 1 ? T - 1 : (int) Math.round((T - 1) * (1.0 - (double) i / (n - 1)));
        }
        return ts;
    }

    static float[] sample(DiffusionModel model, PromptTokens cond, PromptTokens uncond, long[] seeds, int steps,
            double guidance) {
        int b = seeds.length;
        if (cond.batch() != b) {
            throw new IllegalArgumentException(b + " seeds for " + cond.batch() + " prompts");
        }
        int px = model.config().imageSize() * model.config().imageSize();
        NoiseSchedule sch = model.schedule();
        boolean cfg = guidance != 1.0;
        float[] x = new float[b * px];
        for (int i = 0; i < b; i++) {
            System.arraycopy(TextToImagePipeline.initialNoise(seeds[i], px), 0, x, i * px, px);
        }
        PromptTokens both = cfg ? concat(cond, uncond) : cond;
        int[] ts = timesteps(steps, sch.timesteps());
        boolean v = model.config().prediction().equals("v");
        try (DiffusionModel.EncodedPrompts enc = model.encode(both)) {
            for (int k = 0; k < ts.length; k++) {
                int t = ts[k];
                float[] out;
                int[] tb = new int[enc.batch()];
                java.util.Arrays.fill(tb, t);
                if (cfg) {
                    float[] xx = new float[2 * b * px];
                    System.arraycopy(x, 0, xx, 0, b * px);
                    System.arraycopy(x, 0, xx, b * px, b * px);
                    float[] o = model.predict(xx, tb, enc);
                    out = new float[b * px];
                    for (int i = 0; i < b * px; i++) {
                        float c = o[i];
                        float u = o[b * px + i];
                        out[i] = (float) (u + guidance * (c - u));
                    }
                } else {
                    out = model.predict(x, tb, enc);
                }
                double a = sch.signal(t);
                double s = sch.noise(t);
                double aPrev = k + 1 < ts.length ? sch.signal(ts[k + 1]) : 1.0;
                double sPrev = k + 1 < ts.length ? sch.noise(ts[k + 1]) : 0.0;
                for (int i = 0; i < b * px; i++) {
                    double xt = x[i];
                    double x0 = v ? a * xt - s * out[i] : (xt - s * out[i]) / a;
                    // Images live in [-1, 1]: clipping x0 keeps one bad step from saturating the sample.
                    x0 = Math.max(-1, Math.min(1, x0));
                    double eps = (xt - a * x0) / s;
                    x[i] = (float) (aPrev * x0 + sPrev * eps);
                }
            }
        }
        return x;
    }

    private static PromptTokens concat(PromptTokens a, PromptTokens b) {
        // Pad both to the same chunk count so they run as one batch.
        int chunks = Math.max(a.chunks(), b.chunks());
        int c = a.chunkLength();
        int[] ids = new int[(a.batch() + b.batch()) * chunks * c];
        copy(a, ids, 0, chunks);
        copy(b, ids, a.batch(), chunks);
        return new PromptTokens(a.batch() + b.batch(), chunks, c, ids);
    }

    private static void copy(PromptTokens p, int[] dst, int offset, int chunks) {
        int c = p.chunkLength();
        for (int i = 0; i < p.batch(); i++) {
            System.arraycopy(p.ids(), i * p.length(), dst, (offset + i) * chunks * c, p.length());
        }
    }
}
