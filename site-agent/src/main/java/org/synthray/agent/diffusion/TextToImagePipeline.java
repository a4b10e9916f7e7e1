package org.synthray.agent.diffusion;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.agent.text.PromptTokens;

/**
 * Prompts in, images out: tokenizer + model + scheduler, like a diffusers pipeline. It owns the
 * denoising loop and classifier-free guidance; a {@link Scheduler} owns the step between model calls.
 * Owns the model.
 */
public final class TextToImagePipeline implements AutoCloseable {
    private final DiffusionModel model;
    private final ByteBpeTokenizer tokenizer;

    public TextToImagePipeline(DiffusionModel model, ByteBpeTokenizer tokenizer) {
        if (tokenizer.vocabSize() > model.config().text().vocabSize()) {
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " ids, model embeds "
                    + model.config().text().vocabSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public DiffusionModel model() {
        return model;
    }

    public ByteBpeTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * @throws PromptTokens.PromptTooLongException when a prompt exceeds the model's token budget
     */
    public PromptTokens tokens(List<String> prompts) {
        int[][] enc = new int[prompts.size()][];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = tokenizer.encode(prompts.get(i));
        }
        return PromptTokens.of(enc, model.config().text());
    }

    /** The empty prompt ×n: the unconditional branch of classifier-free guidance. */
    public PromptTokens emptyTokens(int n) {
        int[][] enc = new int[n][];
        for (int i = 0; i < n; i++) {
            enc[i] = tokenizer.encode("");
        }
        return PromptTokens.of(enc, model.config().text());
    }

    /**
     * One image per prompt, each from its own seed; processed in batches of {@code batch}.
     *
     * @return images [n·S·S] in [-1, 1]
     */
    public float[] generate(List<String> prompts, long[] seeds, SamplingSettings settings, int batch,
            IntConsumer onImagesDone) {
        if (prompts.size() != seeds.length) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + seeds.length + " seeds");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        tokens(prompts); // fails early, before any sampling, on a too-long prompt
        int px = model.config().imageSize() * model.config().imageSize();
        float[] out = new float[prompts.size() * px];
        for (int start = 0; start < prompts.size(); start += batch) {
            int end = Math.min(prompts.size(), start + batch);
            List<String> sub = prompts.subList(start, end);
            long[] s = Arrays.copyOfRange(seeds, start, end);
            float[] imgs = sample(model, tokens(sub), emptyTokens(sub.size()), s, settings, null);
            System.arraycopy(imgs, 0, out, start * px, imgs.length);
            if (onImagesDone != null) {
                onImagesDone.accept(end);
            }
        }
        return out;
    }

    /**
     * The denoising loop: starting noise from each image's seed, one model call per timestep (the
     * conditional and unconditional halves of classifier-free guidance in one batch), the scheduler's
     * step in between. The text encoder runs once; later steps reuse its output.
     *
     * @param cond   encoded prompts, B of them
     * @param uncond the empty prompt tokens, B of them
     * @param seeds  B seeds
     * @param onStep called after each step with the number of steps done, may be null
     * @return B images, [B·S·S] in [-1, 1]
     */
    public static float[] sample(DiffusionModel model, PromptTokens cond, PromptTokens uncond, long[] seeds,
            SamplingSettings settings, IntConsumer onStep) {
        int b = seeds.length;
        if (cond.batch() != b || uncond.batch() != b) {
            throw new IllegalArgumentException(b + " seeds for " + cond.batch() + " prompts and " + uncond.batch()
                    + " empty prompts");
        }
        int px = model.config().imageSize() * model.config().imageSize();
        double guidance = settings.guidance();
        boolean cfg = guidance != 1.0;
        float[] x = new float[b * px];
        for (int i = 0; i < b; i++) {
            System.arraycopy(initialNoise(seeds[i], px), 0, x, i * px, px);
        }
        Scheduler scheduler = settings.schedulerFor(model);
        int[] ts = scheduler.timesteps();
        try (DiffusionModel.EncodedPrompts enc = model.encode(cfg ? concat(cond, uncond) : cond)) {
            int[] tb = new int[enc.batch()];
            for (int k = 0; k < ts.length; k++) {
                Arrays.fill(tb, ts[k]);
                float[] out;
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
                x = scheduler.step(out, ts[k], x);
                if (onStep != null) {
                    onStep.accept(k + 1);
                }
            }
        }
        return x;
    }

    /** The starting noise of one image: a function of its seed alone. */
    public static float[] initialNoise(long seed, int pixels) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[pixels];
        for (int i = 0; i < pixels; i++) {
            x[i] = (float) DiffusionModel.gaussian(r);
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

    @Override
    public void close() {
        model.close();
    }
}
