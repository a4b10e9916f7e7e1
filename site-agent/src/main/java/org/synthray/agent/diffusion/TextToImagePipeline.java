package org.synthray.agent.diffusion;

import java.util.List;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.agent.text.PromptTokens;

/**
 * Prompts in, images out: tokenizer + model + sampler, like a diffusers pipeline. Owns the model.
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
    public float[] generate(List<String> prompts, long[] seeds, DdimSampler sampler, int batch,
            java.util.function.IntConsumer onImagesDone) {
        if (prompts.size() != seeds.length) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + seeds.length + " seeds");
        }
        tokens(prompts); // fails early, before any sampling, on a too-long prompt
        int px = model.config().imageSize() * model.config().imageSize();
        float[] out = new float[prompts.size() * px];
        for (int start = 0; start < prompts.size(); start += batch) {
            int end = Math.min(prompts.size(), start + batch);
            List<String> sub = prompts.subList(start, end);
            long[] s = java.util.Arrays.copyOfRange(seeds, start, end);
            float[] imgs = sampler.sample(model, tokens(sub), emptyTokens(sub.size()), s, null);
            System.arraycopy(imgs, 0, out, start * px, imgs.length);
            if (onImagesDone != null) {
                onImagesDone.accept(end);
            }
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
