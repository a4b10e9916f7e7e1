package org.synthray.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.diffusion.DiffusionModel;
import org.synthray.agent.diffusion.MatMulPeak;
import org.synthray.agent.diffusion.ModelConfig;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.diffusion.TextToImagePipeline;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.agent.text.PromptTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: in one run, training and sampling throughput of a config, its FLOPs per image, the
 * GFLOP/s TensorFlow reaches on a large MatMul on the same machine (the achievable peak), and the
 * process's peak resident memory. A measurement, not a test: nothing here passes or fails.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training and sampling speed, FLOPs per image, MatMul peak and peak memory.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", defaultValue = "cpu64", description = "model config; default ${DEFAULT-VALUE}")
    String config;

    @Option(names = "--batch", defaultValue = "32", description = "training batch; default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--train-steps", defaultValue = "20", description = "timed training steps (after 3 warm-up steps); default ${DEFAULT-VALUE}")
    int trainSteps;

    @Option(names = "--sample-images", defaultValue = "8", description = "images sampled (timed, after a warm-up); default ${DEFAULT-VALUE}")
    int sampleImages;

    @Option(names = "--scheduler", defaultValue = "dpm++2m", split = ",",
            description = "dpm++2m and/or ddim, each timed in turn (repeatable or comma-separated); default ${DEFAULT-VALUE}")
    List<String> schedulers;

    @Option(names = "--sample-steps", description = "denoising steps per image; default: the scheduler's (20 for dpm++2m, 50 for ddim)")
    Integer sampleSteps;

    @Option(names = "--guidance", defaultValue = "3.0", description = "guidance (≠ 1 doubles the sampling batch); default ${DEFAULT-VALUE}")
    double guidance;

    @Option(names = "--matmul", defaultValue = "2048", description = "side of the square MatMul for the peak; default ${DEFAULT-VALUE}")
    int matmul;

    @Option(names = "--data", description = "train on these images (default: synthetic images; speed does not depend on content)")
    Path data;

    @Option(names = "--json", description = "also write the numbers to this JSON file")
    Path json;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter o = spec.commandLine().getOut();
        if (batch < 1 || trainSteps < 1 || sampleImages < 1 || (sampleSteps != null && sampleSteps < 1) || matmul < 64) {
            throw new IllegalArgumentException("--batch, --train-steps, --sample-images, --sample-steps must be positive, --matmul >= 64");
        }
        ModelConfig cfg = ModelConfig.named(config);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("config", cfg.name());
        r.put("cpus", Runtime.getRuntime().availableProcessors());
        r.put("os_arch", System.getProperty("os.arch"));

        // Other work on the machine lowers every number here: record how busy it was.
        r.put("load_average_at_start", loadAverage());
        double peak = MatMulPeak.flopsPerSecond(matmul);
        o.printf(Locale.ROOT, "MatMul %d×%d: %.1f GFLOP/s (load average %s)%n", matmul, matmul, peak / 1e9,
                r.get("load_average_at_start"));
        o.flush();

        int s = cfg.imageSize();
        int px = s * s;
        float[] images;
        List<String> texts = new ArrayList<>();
        if (data != null) {
            ImageTextDataset ds = ImageTextDataset.load(data, "train", s, null);
            images = ds.pixels();
            texts.addAll(ds.texts());
        } else {
            images = new float[batch * px];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) Math.tanh(Math.sin(i * 0.013) * 2);
            }
            for (int i = 0; i < batch; i++) {
                texts.add("PA chest x-ray of a " + (40 + i) + "-year-old male: no finding");
            }
        }
        ByteBpeTokenizer tok = ByteBpeTokenizer.train(texts, Math.min(cfg.text().vocabSize(), 512));
        try (DiffusionModel m = DiffusionModel.create(cfg, 1)) {
            double fwd = m.flopsPerImage();
            r.put("parameters", m.parameterCount());
            r.put("forward_gflop_per_image", fwd / 1e9);
            r.put("train_gflop_per_image", 3 * fwd / 1e9);
            int n = images.length / px;
            SplittableRandom rnd = new SplittableRandom(1);
            float[] x0 = new float[batch * px];
            float[] noise = new float[batch * px];
            int[] ts = new int[batch];
            int[][] prompts = new int[batch][];
            double secs = 0;
            for (int step = 0; step < trainSteps + 3; step++) {
                for (int i = 0; i < batch; i++) {
                    int idx = rnd.nextInt(n);
                    System.arraycopy(images, idx * px, x0, i * px, px);
                    ts[i] = rnd.nextInt(cfg.timesteps());
                    prompts[i] = tok.encode(texts.get(idx % texts.size()));
                }
                for (int i = 0; i < noise.length; i++) {
                    noise[i] = (float) rnd.nextGaussian();
                }
                long t0 = System.nanoTime();
                m.trainStep(x0, noise, ts, PromptTokens.of(prompts, cfg.text()), 1e-4, 0);
                if (step >= 3) {
                    secs += (System.nanoTime() - t0) / 1e9;
                }
            }
            // The peak is measured again right after training and the better value kept, so a burst of
            // other work during one measurement does not distort the ratio.
            peak = Math.max(peak, MatMulPeak.flopsPerSecond(matmul));
            r.put("matmul_side", matmul);
            r.put("matmul_gflops_per_s", peak / 1e9);
            double trainIps = trainSteps * batch / secs;
            double trainFlops = trainIps * 3 * fwd;
            r.put("train_batch", batch);
            r.put("train_images_per_s", trainIps);
            r.put("train_gflops_per_s", trainFlops / 1e9);
            r.put("train_fraction_of_matmul_peak", trainFlops / peak);
            o.printf(Locale.ROOT, "training %s, batch %d: %.1f images/s = %.1f GFLOP/s (%.0f%% of MatMul peak)%n",
                    cfg.name(), batch, trainIps, trainFlops / 1e9, 100 * trainFlops / peak);
            o.flush();

            TextToImagePipeline pipe = new TextToImagePipeline(m, tok);
            List<String> ps = new ArrayList<>();
            long[] seeds = new long[sampleImages];
            for (int i = 0; i < sampleImages; i++) {
                ps.add(texts.get(i % texts.size()));
                seeds[i] = i;
            }
            // Several schedulers are timed in one run, one after the other, so their ratio is fair on a
            // machine whose load comes and goes.
            List<Map<String, Object>> runs = new ArrayList<>();
            for (String name : schedulers) {
                SamplingSettings settings = SamplingOptions.settings(name, sampleSteps, guidance);
                pipe.generate(ps.subList(0, 1), new long[] {0}, new SamplingSettings(settings.scheduler(), 2, guidance), 1,
                        null); // warm-up
                long t0 = System.nanoTime();
                pipe.generate(ps, seeds, settings, sampleImages, null);
                double ss = (System.nanoTime() - t0) / 1e9;
                double gflops = sampleImages * settings.steps() * (guidance != 1.0 ? 2 : 1) * fwd / ss / 1e9;
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("scheduler", settings.scheduler().id());
                one.put("steps", settings.steps());
                one.put("guidance", guidance);
                one.put("batch", sampleImages);
                one.put("images_per_s", sampleImages / ss);
                one.put("gflops_per_s", gflops);
                runs.add(one);
                o.printf(Locale.ROOT, "sampling: %.2f images/s (%s, batch %d) = %.1f GFLOP/s%n",
                        sampleImages / ss, settings.describe(), sampleImages, gflops);
                o.flush();
            }
            r.put("sampling", runs);
        }
        r.put("load_average_at_end", loadAverage());
        long rss = peakRssBytes();
        r.put("peak_rss_mib", rss / 1048576.0);
        r.put("jvm_max_heap_mib", Runtime.getRuntime().maxMemory() / 1048576.0);
        o.printf(Locale.ROOT, "FLOPs per image: %.3f GFLOP forward, %.3f GFLOP per training image; peak RSS %.0f MiB%n",
                (double) r.get("forward_gflop_per_image"), (double) r.get("train_gflop_per_image"), rss / 1048576.0);
        if (json != null) {
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
        }
        return 0;
    }


    /** The 1-minute load average (Linux), or null. */
    static Double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return null;
        }
    }

    /** VmHWM of this process (Linux), 0 where unknown. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return 0;
    }
}
