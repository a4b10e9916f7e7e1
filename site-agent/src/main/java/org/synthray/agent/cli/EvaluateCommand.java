package org.synthray.agent.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.synthray.agent.data.DatasetCache;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.diffusion.Checkpoint;
import org.synthray.agent.diffusion.TextToImagePipeline;
import org.synthray.agent.eval.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evaluate}: Fréchet distance, finding accuracy and nearest neighbours of a model on a validation split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model against real images: Fréchet distance (classifier features), finding "
                + "accuracy of generated vs real images, nearest-neighbour distances to the training set.")
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder")
    Path model;

    @Option(names = "--data", required = true, description = "data folder or CSV with train and val splits")
    Path data;

    @Option(names = "--train-split", defaultValue = "train", description = "default ${DEFAULT-VALUE}")
    String trainSplit;

    @Option(names = "--val-split", defaultValue = "val", description = "default ${DEFAULT-VALUE}")
    String valSplit;

    @Option(names = "--scheduler", defaultValue = "dpm++2m", description = "dpm++2m or ddim; default ${DEFAULT-VALUE}")
    String scheduler;

    @Option(names = "--steps", description = "denoising steps; default 20 for dpm++2m, 50 for ddim")
    Integer steps;

    @Option(names = "--guidance", defaultValue = "3.0", description = "guidance scale; default ${DEFAULT-VALUE}")
    double guidance;

    @Option(names = "--seed", defaultValue = "0", description = "default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--limit", defaultValue = "0", description = "use at most N validation captions (0 = all)")
    int limit;

    @Option(names = "--classifier-steps", defaultValue = "800", description = "training steps of the evaluation classifier; default ${DEFAULT-VALUE}")
    int classifierSteps;

    @Option(names = "--batch", defaultValue = "16", description = "images sampled together; default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--grid-columns", defaultValue = "6", description = "images per prompt in grid.png; default ${DEFAULT-VALUE}")
    int gridColumns;

    @Option(names = "--out", required = true, description = "folder for evaluation.json, report.md and grid.png")
    Path out;

    @Option(names = "--no-cache", description = "decode every image, write no cache")
    boolean noCache;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter o = spec.commandLine().getOut();
        if ((steps != null && steps < 1) || batch < 1 || classifierSteps < 1 || gridColumns < 1 || limit < 0) {
            throw new IllegalArgumentException("--steps, --batch, --classifier-steps and --grid-columns must be positive");
        }
        try (TextToImagePipeline pipe = Checkpoint.load(model)) {
            int s = pipe.model().config().imageSize();
            DatasetCache cache = noCache ? null : DatasetCache.defaultCache();
            ImageTextDataset train = ImageTextDataset.load(data, trainSplit, s, cache);
            ImageTextDataset val = ImageTextDataset.load(data, valSplit, s, cache);
            o.printf(Locale.ROOT, "evaluating %s on %d %s images (classifier trained on %d %s images)%n",
                    model, limit > 0 ? Math.min(limit, val.size()) : val.size(), valSplit, train.size(), trainSplit);
            Evaluation.Options opt = new Evaluation.Options(SamplingOptions.settings(scheduler, steps, guidance), seed, limit, classifierSteps, batch, gridColumns);
            long t0 = System.nanoTime();
            Map<String, Object> r = Evaluation.run(pipe, train, groups(train), val, groups(val), opt, msg -> {
                o.println("  " + msg);
                o.flush();
            });
            Evaluation.write(out, r, pipe, opt);
            o.printf(Locale.ROOT, "done in %s; wrote evaluation.json, report.md and grid.png to %s%n",
                    ProgressBar.duration((System.nanoTime() - t0) / 1e9), out);
            @SuppressWarnings("unchecked")
            Map<String, Object> fd = (Map<String, Object>) r.get("frechet_distance");
            @SuppressWarnings("unchecked")
            Map<String, Object> acc = (Map<String, Object>) r.get("finding_accuracy");
            o.printf(Locale.ROOT, "Fréchet distance generated vs val %.3f (floor train vs val %.3f); finding accuracy "
                    + "generated %.3f vs real %.3f%n", fd.get("generated_vs_real_val"),
                    fd.get("real_train_vs_real_val_floor"), acc.get("accuracy_generated"), acc.get("accuracy_real"));
        }
        return 0;
    }

    /** Each image's patient; without a patient column each image is its own group. */
    private java.util.List<String> groups(ImageTextDataset ds) throws java.io.IOException {
        java.util.List<String> p = ImageTextDataset.patients(data, ds);
        if (p != null) {
            return p;
        }
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            ids.add(ds.id(i));
        }
        return ids;
    }
}
