package org.synthray.agent.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.synthray.agent.data.DatasetCache;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.diffusion.Checkpoint;
import org.synthray.agent.diffusion.DiffusionModel;
import org.synthray.agent.diffusion.ModelConfig;
import org.synthray.agent.diffusion.TrainOptions;
import org.synthray.agent.diffusion.TrainingLoop;
import org.synthray.agent.text.ByteBpeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train}: trains a model from scratch (a named config) or fine-tunes a saved one. */
@Command(name = "train", mixinStandardHelpOptions = true,
        customSynopsis = "synthray-agent train --data DIR --out DIR (--config NAME | --init MODEL_DIR) "
                + "(--steps N | --epochs N | --minutes M) [OPTIONS]",
        description = "Train the text-to-chest-X-ray model on a folder of images with a CSV of captions or reports.")
public final class TrainCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", description = "(required) data folder (with metadata.csv or data.csv) or a CSV file")
    Path data;

    @Option(names = "--split", defaultValue = "train", description = "rows of this split are used (train, val, all); default ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--config", paramLabel = "NAME", description = "(required: this or --init) named config for a new model: "
            + "${COMPLETION-CANDIDATES}",
            completionCandidates = ConfigNames.class)
    String config;

    @Option(names = "--init", paramLabel = "MODEL_DIR", description = "(required: this or --config) model folder to fine-tune "
            + "(keeps its config and tokenizer)")
    Path init;

    @Option(names = "--out", paramLabel = "DIR", description = "(required) model folder to write")
    Path out;

    @Option(names = "--steps", defaultValue = "0", description = "(required: this, --epochs or --minutes) optimiser steps")
    long steps;

    @Option(names = "--epochs", defaultValue = "0", description = "(required: this, --steps or --minutes) passes over the data")
    int epochs;

    @Option(names = "--minutes", defaultValue = "0", description = "(required: this, --steps or --epochs) stop after this "
            + "many minutes of training")
    double minutes;

    @Option(names = "--batch", description = "images per step (default: the config's)")
    Integer batch;

    @Option(names = "--lr", description = "Adam learning rate (default: the config's)")
    Double lr;

    @Option(names = "--seed", defaultValue = "42", description = "seed for initial weights, batches and noise; default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--float16", description = "store weights as float16 (half the size; for shipping)")
    boolean float16;

    @Option(names = "--save-every-minutes", defaultValue = "10", description = "also save the model every N minutes; default ${DEFAULT-VALUE}")
    double saveEvery;

    @Option(names = "--cache-dir", description = "where preprocessed images are cached (default ~/.cache/synthray/datasets)")
    Path cacheDir;

    @Option(names = "--no-cache", description = "decode every image, write no cache")
    boolean noCache;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter o = spec.commandLine().getOut();
        // Every missing or conflicting required option in one message, not one per attempt.
        List<String> missing = new ArrayList<>();
        if (data == null) {
            missing.add("--data DIR");
        }
        if (out == null) {
            missing.add("--out DIR");
        }
        if ((config == null) == (init == null)) {
            missing.add("exactly one of --config NAME (new model) or --init MODEL_DIR (fine-tune)");
        }
        if (steps == 0 && epochs == 0 && minutes <= 0) {
            missing.add("--steps, --epochs or --minutes");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("train needs " + String.join("; ", missing) + " (see train --help)");
        }
        ModelConfig cfg;
        ByteBpeTokenizer tok;
        Checkpoint.Contents base = null;
        if (init != null) {
            base = Checkpoint.read(init);
            cfg = base.config();
            tok = base.tokenizer();
        } else {
            cfg = ModelConfig.named(config);
            tok = null;
        }
        DatasetCache cache = noCache ? null : cacheDir != null ? new DatasetCache(cacheDir) : DatasetCache.defaultCache();
        long t0 = System.nanoTime();
        ImageTextDataset ds = ImageTextDataset.load(data, split, cfg.imageSize(), cache);
        o.printf(Locale.ROOT, "data: %d images from %s (split %s) in %.1fs, %d skipped%n", ds.size(), data, split,
                (System.nanoTime() - t0) / 1e9, ds.skipped().size());
        ds.skipped().stream().limit(10).forEach(s -> o.println("  skipped " + s.image() + ": " + s.reason()));
        if (tok == null) {
            // A new model learns its tokenizer from the training texts; fine-tuning keeps the base's.
            tok = ByteBpeTokenizer.train(ds.texts(), cfg.text().vocabSize());
            o.println("tokenizer: " + tok.vocabSize() + " ids learned from " + ds.size() + " texts");
        }
        DiffusionModel model = base != null ? DiffusionModel.create(cfg, base.weights()) : DiffusionModel.create(cfg, seed);
        try (model) {
            o.printf(Locale.ROOT, "model: %s, %,d parameters, %.2f GFLOP per image forward%n", cfg, model.parameterCount(),
                    model.flopsPerImage() / 1e9);
            TrainOptions opt = new TrainOptions(steps, epochs, minutes * 60, batch != null ? batch : cfg.batchSize(),
                    lr != null ? lr : cfg.learningRate(), 0, seed);
            TrainingLoop loop = new TrainingLoop(model, tok);
            ProgressBar bar = new ProgressBar("train", opt.steps() > 0 ? opt.steps() : 0, o);
            long[] lastSave = {System.nanoTime()};
            ByteBpeTokenizer tokF = tok;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("config", cfg.name());
            info.put("data", data.toString());
            info.put("split", split);
            info.put("seed", seed);
            info.put("init", init == null ? null : init.toString());
            info.put("batch", opt.batchSize());
            info.put("learning_rate", opt.learningRate());
            TrainingLoop.Summary sum = loop.run(ds, opt, p -> {
                if (p.totalSteps() > 0) {
                    bar.setTotal(p.totalSteps());
                }
                bar.update(p.step(), String.format(Locale.ROOT, "epoch %d loss %.4f (mean %.4f) %.1f img/s",
                        p.epoch(), p.loss(), p.meanLoss(), p.imagesPerSecond()), p.etaSeconds());
                if (saveEvery > 0 && (System.nanoTime() - lastSave[0]) / 6e10 >= saveEvery) {
                    lastSave[0] = System.nanoTime();
                    try {
                        Map<String, Object> partial = new LinkedHashMap<>(info);
                        partial.put("steps", p.step());
                        partial.put("partial", true);
                        Checkpoint.save(out, model, tokF, float16, partial);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException("cannot save checkpoint to " + out + ": " + e.getMessage(), e);
                    }
                }
            });
            bar.finish(String.format(Locale.ROOT, "trained %d steps (%d images) in %s: mean loss %.4f, last epoch %.4f, %.1f img/s",
                    sum.steps(), sum.images(), ProgressBar.duration(sum.seconds()), sum.meanLoss(), sum.lastEpochLoss(),
                    sum.imagesPerSecond()));
            if (sum.skippedPrompts() > 0) {
                o.println(sum.skippedPrompts() + " images skipped: caption longer than the model's token budget");
            }
            info.put("steps", sum.steps());
            info.put("images_seen", sum.images());
            info.put("train_seconds", Math.round(sum.seconds()));
            info.put("mean_loss", sum.meanLoss());
            info.put("last_epoch_loss", sum.lastEpochLoss());
            info.put("finished", Instant.now().toString());
            Checkpoint.save(out, model, tok, float16, info);
            o.println("saved " + out);
        }
        return 0;
    }

    /** Completion candidates for --config. */
    static final class ConfigNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ModelConfig.names().iterator();
        }
    }
}
