package org.synthray.agent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.synthray.agent.data.DatasetCache;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.guard.PrivacyGuard;
import org.synthray.agent.guard.Vectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code guard}: the privacy guard's calibration. */
@Command(name = "guard", mixinStandardHelpOptions = true,
        description = "The privacy guard that keeps near-copies of training images from leaving the site.",
        subcommands = {GuardCommand.Calibrate.class})
public final class GuardCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "calibrate", mixinStandardHelpOptions = true,
            description = "Measure how close real images of different patients come, and store the guard's thresholds, "
                    + "vectors and classifier in a folder of the site's work directory (never uploaded).")
    static final class Calibrate implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data", required = true, description = "the site's data folder (the images the model is trained on)")
        Path data;

        @Option(names = "--train-split", defaultValue = "train", description = "split the model is trained on; default ${DEFAULT-VALUE}")
        String trainSplit;

        @Option(names = "--val-split", defaultValue = "val", description = "held-out split of other patients; default ${DEFAULT-VALUE}")
        String valSplit;

        @Option(names = "--classifier-steps", defaultValue = "300", description = "training steps of the embedding classifier; default ${DEFAULT-VALUE}")
        int classifierSteps;

        @Option(names = "--seed", defaultValue = "0", description = "default ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--no-cache", description = "decode every image, write no cache")
        boolean noCache;

        @Option(names = "--out", required = true, description = "calibration folder, e.g. work/guard")
        Path out;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            DatasetCache cache = noCache ? null : DatasetCache.defaultCache();
            ImageTextDataset train = ImageTextDataset.load(data, trainSplit, Vectors.GUARD_SIZE, cache);
            ImageTextDataset val = ImageTextDataset.load(data, valSplit, Vectors.GUARD_SIZE, cache);
            List<String> patients = ImageTextDataset.patients(data, train);
            o.printf(Locale.ROOT, "calibrating on %d %s and %d %s images%s%n", train.size(), trainSplit, val.size(), valSplit,
                    patients == null ? " (no patient column: validation images only)" : "");
            o.flush();
            long t0 = System.nanoTime();
            try (PrivacyGuard g = PrivacyGuard.calibrate(train, patients, val,
                    new PrivacyGuard.Options(classifierSteps, seed), msg -> {
                        o.println("  " + msg);
                        o.flush();
                    })) {
                g.save(out);
                o.printf(Locale.ROOT, "pixel threshold %.4f, embedding threshold %.4f; wrote %s (%s)%n", g.pixelThreshold(),
                        g.embeddingThreshold(), out.resolve(PrivacyGuard.GUARD_JSON),
                        ProgressBar.duration((System.nanoTime() - t0) / 1e9));
            }
            return 0;
        }
    }
}
