package org.synthray.agent.diffusion;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.agent.text.TextEncoderConfig;

/**
 * Everything that fixes the shape of a model and its default training hyper-parameters. Stored
 * as {@code config.json} beside the weights; two models with equal configs have weights of equal
 * names, shapes and order, which is what federated averaging needs.
 *
 * @param name          config name ({@code tiny}, {@code cpu64}, {@code gpu128}, ...)
 * @param imageSize     side of the square grey image, pixels
 * @param patch         pixels folded into channels before the U-Net (space-to-depth): 2 turns a
 *                      64×64×1 image into 32×32×4, which makes the first level four times cheaper
 * @param channels      U-Net width per resolution level (level i works at imageSize / 2^i)
 * @param resBlocks     residual blocks per level, on the way down and again on the way up
 * @param attention     per level: self- and cross-attention after each residual block
 * @param headDim       width of one attention head in the U-Net
 * @param groups        group norm groups (every channel count must divide by it)
 * @param text          the text encoder
 * @param timesteps     diffusion steps of the noise schedule
 * @param prediction    {@code v} (v-prediction) or {@code eps} (noise prediction)
 * @param condDropout   probability of training a sample with the empty prompt (classifier-free guidance)
 * @param emaDecay      decay of the exponential moving average of the weights used for sampling
 * @param learningRate  default Adam learning rate
 * @param batchSize     default training batch
 * @param gradClip      global gradient norm clip
 */
public record ModelConfig(String name, int imageSize, int patch, int[] channels, int resBlocks, boolean[] attention,
        int headDim, int groups, TextEncoderConfig text, int timesteps, String prediction, double condDropout,
        double emaDecay, double learningRate, int batchSize, double gradClip) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ModelConfig {
        if (channels == null || attention == null || channels.length != attention.length || channels.length == 0) {
            throw new IllegalArgumentException("config '" + name + "': channels and attention need one entry per level");
        }
        if (patch < 1 || imageSize <= 0 || imageSize % (patch << (channels.length - 1)) != 0) {
            throw new IllegalArgumentException("config '" + name + "': image size " + imageSize
                    + " must divide by patch * 2^(levels-1) = " + (patch << (channels.length - 1)));
        }
        for (int c : channels) {
            if (c <= 0 || c % groups != 0 || c % headDim != 0) {
                throw new IllegalArgumentException("config '" + name + "': channel count " + c
                        + " must divide by groups " + groups + " and head_dim " + headDim);
            }
        }
        if (!prediction.equals("v") && !prediction.equals("eps")) {
            throw new IllegalArgumentException("config '" + name + "': prediction must be 'v' or 'eps', not '" + prediction + "'");
        }
        if (resBlocks < 1 || timesteps < 2 || condDropout < 0 || condDropout >= 1 || emaDecay < 0 || emaDecay >= 1) {
            throw new IllegalArgumentException("config '" + name + "': res_blocks >= 1, timesteps >= 2, "
                    + "0 <= cond_dropout < 1 and 0 <= ema_decay < 1 are required");
        }
        channels = channels.clone();
        attention = attention.clone();
    }

    /** The named configs. */
    private static Map<String, ModelConfig> named() {
        Map<String, ModelConfig> m = new LinkedHashMap<>();
        // Unit tests: a 16 px model that builds and trains a step in well under a second.
        m.put("tiny", new ModelConfig("tiny", 16, 1, new int[] {16, 32}, 1, new boolean[] {false, true}, 16, 4,
                new TextEncoderConfig(512, 32, 1, 2, 16, 64), 1000, "v", 0.1, 0.99, 1e-3, 8, 1.0));
        // The CPU demo: 64 px, trains on 2 CPU cores. 2×2 pixels are folded into channels first, so the
        // U-Net runs at 32/16/8 px with 64+ channels, where oneDNN convolutions are efficient;
        // attention only at 16 and 8 px, where it is cheap.
        m.put("cpu64", new ModelConfig("cpu64", 64, 2, new int[] {64, 128, 192}, 1,
                new boolean[] {false, true, true}, 32, 8,
                new TextEncoderConfig(1024, 128, 2, 4, 32, 32), 1000, "v", 0.1, 0.999, 3e-4, 32, 1.0));
        // GPU, pixel space at 128 px: wider and deeper; same code, the CUDA native library places it on the GPU.
        m.put("gpu128", new ModelConfig("gpu128", 128, 1, new int[] {64, 128, 256, 256, 384}, 2,
                new boolean[] {false, false, true, true, true}, 64, 32,
                new TextEncoderConfig(4096, 256, 4, 4, 64, 16), 1000, "v", 0.1, 0.9995, 2e-4, 64, 1.0));
        return m;
    }

    /** Names accepted by {@link #named(String)}. */
    public static List<String> names() {
        return List.copyOf(named().keySet());
    }

    /**
     * @throws IllegalArgumentException listing the known names when {@code name} is unknown
     */
    public static ModelConfig named(String name) {
        ModelConfig c = named().get(name);
        if (c == null) {
            if (name.startsWith("gpu256")) {
                throw new IllegalArgumentException("config '" + name + "' (256 px in the latent space of a VAE) is "
                        + "planned, not built yet: see docs/model.md; known configs: " + names());
            }
            throw new IllegalArgumentException("unknown model config '" + name + "'; known configs: " + names());
        }
        return c;
    }

    /** Side of the U-Net's first level (image size / patch). */
    public int latentSize() {
        return imageSize / patch;
    }

    public int levels() {
        return channels.length;
    }

    public void save(Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(this));
    }

    public static ModelConfig load(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), ModelConfig.class);
        } catch (IOException e) {
            throw new IOException("cannot read model config " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && name.equals(c.name) && imageSize == c.imageSize && patch == c.patch
                && Arrays.equals(channels, c.channels) && resBlocks == c.resBlocks
                && Arrays.equals(attention, c.attention) && headDim == c.headDim && groups == c.groups
                && text.equals(c.text) && timesteps == c.timesteps && prediction.equals(c.prediction)
                && condDropout == c.condDropout && emaDecay == c.emaDecay && learningRate == c.learningRate
                && batchSize == c.batchSize && gradClip == c.gradClip;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(channels);
    }

    @Override
    public String toString() {
        return name + "(" + imageSize + "px, channels " + Arrays.toString(channels) + ", text " + text + ")";
    }
}
