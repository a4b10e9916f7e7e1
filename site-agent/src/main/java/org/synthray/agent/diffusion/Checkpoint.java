package org.synthray.agent.diffusion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;

/**
 * A model on disk: a folder with {@code weights.npz} (the named tensors in model order, float32 or
 * float16, readable by {@code numpy.load}), {@code config.json}, {@code tokenizer.json} and
 * {@code info.json} (how it was made). The weights are the moving average (what sampling uses);
 * loading sets both the trained weights and their average to them.
 */
public final class Checkpoint {
    public static final String WEIGHTS = "weights.npz";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String INFO = "info.json";

    private Checkpoint() {
    }

    /** A loaded checkpoint, before a graph is built. */
    public record Contents(ModelConfig config, ByteBpeTokenizer tokenizer, Weights weights, Map<String, Object> info) {
    }

    public static void save(Path dir, DiffusionModel model, ByteBpeTokenizer tokenizer, boolean float16,
            Map<String, Object> info) throws IOException {
        Files.createDirectories(dir);
        Weights w = model.emaWeights();
        Weights stored = float16 ? DiffusionModel.toFloat16(w) : w;
        Npz.write(stored, dir.resolve(WEIGHTS));
        model.config().save(dir.resolve(CONFIG));
        tokenizer.save(dir.resolve(TOKENIZER));
        Map<String, Object> all = new LinkedHashMap<>(info);
        // The model's one identity: equal for the float16 file, the float32 model a site loads from
        // it, what generate and evaluate report and the coordinator's version of the same weights.
        all.put("model_id", w.modelId());
        all.put("weights_dtype", float16 ? "float16" : "float32");
        all.put("parameters", model.parameterCount());
        Files.writeString(dir.resolve(INFO), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(all));
    }

    /**
     * @throws IOException naming the missing or broken file
     */
    @SuppressWarnings("unchecked")
    public static Contents read(Path dir) throws IOException {
        if (Files.isRegularFile(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            boolean inModel = parent != null && Files.isRegularFile(parent.resolve(CONFIG)) && Files.isRegularFile(parent.resolve(WEIGHTS));
            throw new IOException(dir + " is a file; a SynthRay model is a folder holding " + WEIGHTS + ", " + CONFIG + " and "
                    + TOKENIZER + (inModel ? " (the model folder here is " + dir.getParent() + ")" : ""));
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("model folder " + dir + " does not exist");
        }
        for (String f : new String[] {WEIGHTS, CONFIG, TOKENIZER}) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new IOException(dir + " is not a SynthRay model: " + f + " is missing");
            }
        }
        ModelConfig cfg = ModelConfig.load(dir.resolve(CONFIG));
        ByteBpeTokenizer tok = ByteBpeTokenizer.load(dir.resolve(TOKENIZER));
        if (tok.vocabSize() > cfg.text().vocabSize()) {
            throw new IOException(dir + ": tokenizer has " + tok.vocabSize() + " ids but the model embeds only "
                    + cfg.text().vocabSize());
        }
        Weights w;
        try {
            w = Npz.read(dir.resolve(WEIGHTS));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot read " + dir.resolve(WEIGHTS) + ": " + e.getMessage(), e);
        }
        Map<String, Object> info = Files.isRegularFile(dir.resolve(INFO))
                ? new ObjectMapper().readValue(dir.resolve(INFO).toFile(), Map.class) : Map.of();
        return new Contents(cfg, tok, w, info);
    }

    /** Reads and builds the model. */
    public static TextToImagePipeline load(Path dir) throws IOException {
        Contents c = read(dir);
        try {
            return new TextToImagePipeline(DiffusionModel.create(c.config(), c.weights()), c.tokenizer());
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
    }
}
