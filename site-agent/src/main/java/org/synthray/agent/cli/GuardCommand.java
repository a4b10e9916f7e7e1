package org.synthray.agent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.synthray.agent.data.DatasetCache;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.data.PatientShard;
import org.synthray.agent.guard.PrivacyGuard;
import org.synthray.agent.guard.Vectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code guard}: the privacy guard's calibration. */
@Command(name = "guard", mixinStandardHelpOptions = true,
        description = "The privacy guard that keeps near-copies of training images from leaving the site.",
        subcommands = {GuardCommand.Calibrate.class, GuardCommand.Bench.class})
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

        @Option(names = "--shard", defaultValue = "0/1", paramLabel = "K/N", description = "only this site's part of the "
                + "folder's patients, as given to 'join --shard'; default ${DEFAULT-VALUE} (all)")
        String shard;

        @Option(names = "--train-split", defaultValue = "train", description = "split the model is trained on; default ${DEFAULT-VALUE}")
        String trainSplit;

        @Option(names = "--val-split", defaultValue = "val", description = "held-out split of other patients; default ${DEFAULT-VALUE}")
        String valSplit;

        @Option(names = "--classifier-steps", defaultValue = "300", description = "training steps of the embedding classifier; default ${DEFAULT-VALUE}")
        int classifierSteps;

        @Option(names = "--seed", defaultValue = "0", description = "default ${DEFAULT-VALUE}")
        long seed;

        @Option(names = "--margin", defaultValue = "0.4", description = "threshold = max + margin x (1 - max) of the "
                + "other-patient similarities; lower is stricter; default ${DEFAULT-VALUE}")
        double margin;

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "where preprocessed images are cached "
                + "(default ~/.cache/synthray/datasets)")
        Path cacheDir;

        @Option(names = "--no-cache", description = "decode every image, write no cache")
        boolean noCache;

        @Option(names = "--out", required = true, description = "calibration folder, e.g. work/guard")
        Path out;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            DatasetCache cache = noCache ? null : cacheDir != null ? new DatasetCache(cacheDir) : DatasetCache.defaultCache();
            long t0 = System.nanoTime();
            try (PrivacyGuard g = calibrateOnSite(data, PatientShard.parse(shard), trainSplit, valSplit, cache,
                    new PrivacyGuard.Options(classifierSteps, seed, margin), o)) {
                g.save(out);
                o.printf(Locale.ROOT, "pixel threshold %.4f, embedding threshold %.4f; wrote %s (%s)%n", g.pixelThreshold(),
                        g.embeddingThreshold(), out.resolve(PrivacyGuard.GUARD_JSON),
                        ProgressBar.duration((System.nanoTime() - t0) / 1e9));
            }
            return 0;
        }
    }

    /**
     * The guard calibrated on the site's own images only: the train and val splits of {@code data},
     * restricted to the site's shard of patients (a folder may hold several sites' patients, and a
     * guard that knew another site's images would reject images for the wrong reason).
     */
    static PrivacyGuard calibrateOnSite(Path data, PatientShard shard, String trainSplit, String valSplit, DatasetCache cache,
            PrivacyGuard.Options options, PrintWriter o) throws java.io.IOException {
        ImageTextDataset train = shard.apply(data, ImageTextDataset.load(data, trainSplit, Vectors.GUARD_SIZE, cache));
        ImageTextDataset val = shard.apply(data, ImageTextDataset.load(data, valSplit, Vectors.GUARD_SIZE, cache));
        List<String> patients = ImageTextDataset.patients(data, train);
        o.printf(Locale.ROOT, "calibrating on %d %s and %d %s images%s%s%n", train.size(), trainSplit, val.size(), valSplit,
                shard.count() > 1 ? " of shard " + shard : "",
                patients == null ? " (no patient column: validation images only)" : "");
        o.flush();
        return PrivacyGuard.calibrate(train, patients, val, options, msg -> {
            o.println("  " + msg);
            o.flush();
        });
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Measure the guard: calibration time and images checked per second against N training images "
                    + "(made from the data's images, each shifted and noised a little so all are distinct).")
    static final class Bench implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data", required = true, description = "a data folder with train and val splits")
        Path data;

        @Option(names = "--refs", defaultValue = "10000", description = "training images to compare against; default ${DEFAULT-VALUE}")
        int refs;

        @Option(names = "--queries", defaultValue = "64", description = "images checked (timed); default ${DEFAULT-VALUE}")
        int queries;

        @Option(names = "--batch", defaultValue = "16", description = "images checked together; default ${DEFAULT-VALUE}")
        int batch;

        @Option(names = "--classifier-steps", defaultValue = "300", description = "default ${DEFAULT-VALUE}")
        int classifierSteps;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            int s = Vectors.GUARD_SIZE;
            int px = s * s;
            ImageTextDataset train = ImageTextDataset.load(data, "train", s, DatasetCache.defaultCache());
            ImageTextDataset val = ImageTextDataset.load(data, "val", s, DatasetCache.defaultCache());
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
            float[] pixels = new float[refs * px];
            List<String> ids = new java.util.ArrayList<>();
            List<List<String>> labels = new java.util.ArrayList<>();
            List<String> patients = new java.util.ArrayList<>();
            for (int i = 0; i < refs; i++) {
                int src = i % train.size();
                float[] img = train.image(src);
                int dx = rnd.nextInt(7) - 3;
                int dy = rnd.nextInt(7) - 3;
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        int sx = Math.min(s - 1, Math.max(0, x - dx));
                        int sy = Math.min(s - 1, Math.max(0, y - dy));
                        pixels[i * px + y * s + x] = (float) Math.max(-1, Math.min(1, img[sy * s + sx] + 0.02 * rnd.nextDouble(-1, 1)));
                    }
                }
                ids.add(i + "-" + train.id(src));
                labels.add(train.labels(src));
                patients.add("p" + i); // every reference its own "patient": the train pairs cost the most this way
            }
            List<String> texts = java.util.Collections.nCopies(refs, "x");
            ImageTextDataset big = new ImageTextDataset(s, ids, texts, labels, pixels, List.of());
            Runtime rt = Runtime.getRuntime();
            o.printf(Locale.ROOT, "guard bench: %d training images (from %d real ones), %d val images, %d CPUs, load average %.2f%n",
                    refs, train.size(), val.size(), rt.availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            o.flush();
            long t0 = System.nanoTime();
            try (PrivacyGuard g = PrivacyGuard.calibrate(big, patients, val, new PrivacyGuard.Options(classifierSteps, 0),
                    m -> { })) {
                double cal = (System.nanoTime() - t0) / 1e9;
                o.printf(Locale.ROOT, "calibration (vectors, %d classifier steps, %d val + %d train pairs): %.1f s%n",
                        classifierSteps, val.size(), g.info().get("trainPairs").asInt(), cal);
                float[] q = new float[queries * px];
                for (int i = 0; i < queries; i++) {
                    val.copyImage(i % val.size(), q, i * px);
                }
                g.check(java.util.Arrays.copyOf(q, batch * px), batch, s); // warm-up
                long t1 = System.nanoTime();
                int rejected = 0;
                for (int start = 0; start < queries; start += batch) {
                    int m = Math.min(batch, queries - start);
                    for (PrivacyGuard.Verdict v : g.check(java.util.Arrays.copyOfRange(q, start * px, (start + m) * px), m, s)) {
                        rejected += v.accepted() ? 0 : 1;
                    }
                }
                double secs = (System.nanoTime() - t1) / 1e9;
                double flop = 2.0 * Vectors.variantCount() * Vectors.THUMB * Vectors.THUMB * refs;
                o.printf(Locale.ROOT, "check: %d images in %.2f s = %.1f images/s (%.1f ms each; %d placements x %d refs x %d "
                        + "values = %.2f GFLOP of similarity per image, %.0f GFLOP/s; %d rejected)%n", queries, secs,
                        queries / secs, 1000 * secs / queries, Vectors.variantCount(), refs, Vectors.THUMB * Vectors.THUMB,
                        flop / 1e9, flop * queries / secs / 1e9, rejected);
                // The same similarities with a plain Java double loop, for one image, to show what the index saves.
                float[] refsV = Vectors.references(pixels, Math.min(refs, 2000), s);
                float[] qv = Vectors.queries(q, 1, s);
                long t2 = System.nanoTime();
                float best = -2;
                int d = Vectors.THUMB * Vectors.THUMB;
                int nr = Math.min(refs, 2000);
                for (int v = 0; v < Vectors.variantCount(); v++) {
                    for (int r = 0; r < nr; r++) {
                        double acc = 0;
                        for (int k = 0; k < d; k++) {
                            acc += (double) qv[v * d + k] * refsV[r * d + k];
                        }
                        best = (float) Math.max(best, acc);
                    }
                }
                double loop = (System.nanoTime() - t2) / 1e9 * refs / nr;
                o.printf(Locale.ROOT, "plain Java double loop (for comparison, scaled from %d refs): %.1f ms per image = %.1f images/s%n",
                        nr, loop * 1000, 1 / loop, best);
            }
            return 0;
        }
    }
}
