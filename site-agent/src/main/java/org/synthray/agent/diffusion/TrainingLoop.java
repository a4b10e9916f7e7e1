package org.synthray.agent.diffusion;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.agent.text.PromptTokens;

/**
 * Feeds a data set to {@link DiffusionModel#trainStep}: shuffled epochs, uniform timesteps, fresh
 * noise, the prompt replaced by the empty prompt with the config's dropout probability (so the model
 * also learns the unconditional score that classifier-free guidance needs).
 */
public final class TrainingLoop {
    /** Called after every step. */
    public interface Listener {
        void onStep(Progress p);
    }

    /** Where training stands. */
    public record Progress(long step, long totalSteps, int epoch, double loss, double meanLoss, double imagesPerSecond,
            double elapsedSeconds, double etaSeconds) {
    }

    /** What a run did. */
    public record Summary(long steps, long images, double meanLoss, double lastEpochLoss, double seconds,
            double imagesPerSecond, int skippedPrompts) {
    }

    private final DiffusionModel model;
    private final ByteBpeTokenizer tokenizer;

    public TrainingLoop(DiffusionModel model, ByteBpeTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Token ids per image; prompts over the model's budget are dropped with a reason. */
    public ImageTextDataset usable(ImageTextDataset data, List<int[]> encodedOut) {
        List<Integer> keep = new ArrayList<>();
        List<ImageTextDataset.Skip> skips = new ArrayList<>();
        int max = model.config().text().maxTokens();
        for (int i = 0; i < data.size(); i++) {
            int[] ids = tokenizer.encode(data.text(i));
            if (ids.length > max) {
                skips.add(new ImageTextDataset.Skip(data.id(i), "caption has " + ids.length
                        + " tokens, the model encodes at most " + max));
                continue;
            }
            keep.add(i);
            encodedOut.add(ids);
        }
        return keep.size() == data.size() ? data : data.select(keep, skips);
    }

    public Summary run(ImageTextDataset data, TrainOptions opt, Listener listener) {
        if (data.imageSize() != model.config().imageSize()) {
            throw new IllegalArgumentException("data set is " + data.imageSize() + " px, model config '"
                    + model.config().name() + "' needs " + model.config().imageSize() + " px");
        }
        List<int[]> encoded = new ArrayList<>();
        ImageTextDataset ds = usable(data, encoded);
        int skipped = data.size() - ds.size();
        if (ds.size() == 0) {
            throw new IllegalArgumentException("no training image has a caption the model can encode");
        }
        int n = ds.size();
        int b = Math.min(opt.batchSize(), n);
        long total = opt.steps() > 0 ? opt.steps() : (long) opt.epochs() * ((n + b - 1) / b);
        int px = model.config().imageSize() * model.config().imageSize();
        int T = model.config().timesteps();
        int[] empty = tokenizer.encode("");
        SplittableRandom rnd = new SplittableRandom(opt.seed());
        int[] order = permutation(n, rnd);
        int pos = 0;
        int epoch = 1;
        long start = System.nanoTime();
        double sum = 0;
        double epochSum = 0;
        int epochSteps = 0;
        double lastEpochLoss = Double.NaN;
        long step = 0;
        float[] x0 = new float[b * px];
        float[] noise = new float[b * px];
        int[] ts = new int[b];
        int[][] prompts = new int[b][];
        while (step < total || total == 0) {
            if (opt.maxSeconds() > 0 && (System.nanoTime() - start) / 1e9 >= opt.maxSeconds()) {
                break;
            }
            for (int i = 0; i < b; i++) {
                if (pos == n) {
                    pos = 0;
                    order = permutation(n, rnd);
                    epoch++;
                    lastEpochLoss = epochSum / Math.max(1, epochSteps);
                    epochSum = 0;
                    epochSteps = 0;
                }
                int idx = order[pos++];
                ds.copyImage(idx, x0, i * px);
                ts[i] = rnd.nextInt(T);
                prompts[i] = rnd.nextDouble() < model.config().condDropout() ? empty : encoded.get(idx);
            }
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (float) DiffusionModel.gaussian(rnd);
            }
            DiffusionModel.StepResult r = model.trainStep(x0, noise, ts,
                    PromptTokens.of(prompts, model.config().text()), opt.learningRate(), opt.proxMu());
            if (!Double.isFinite(r.loss())) {
                throw new IllegalStateException("training diverged at step " + (step + 1)
                        + " (loss is " + r.loss() + "); lower the learning rate");
            }
            step++;
            sum += r.loss();
            epochSum += r.loss();
            epochSteps++;
            double el = (System.nanoTime() - start) / 1e9;
            double ips = step * b / el;
            double eta = total > 0 ? (total - step) * el / step : Double.NaN;
            if (opt.maxSeconds() > 0) {
                eta = Double.isNaN(eta) ? opt.maxSeconds() - el : Math.min(eta, opt.maxSeconds() - el);
            }
            if (listener != null) {
                listener.onStep(new Progress(step, total, epoch, r.loss(), sum / step, ips, el, eta));
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (Double.isNaN(lastEpochLoss)) {
            lastEpochLoss = epochSum / Math.max(1, epochSteps);
        }
        return new Summary(step, step * b, step == 0 ? Double.NaN : sum / step, lastEpochLoss, secs,
                step * b / Math.max(secs, 1e-9), skipped);
    }

    private static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Denoising loss of the moving-average weights on a data set, with timesteps spread evenly over
     * the schedule and noise from {@code seed}: the same number for the same weights and data.
     */
    public double validationLoss(ImageTextDataset data, int batch, long seed) {
        List<int[]> encoded = new ArrayList<>();
        ImageTextDataset ds = usable(data, encoded);
        int px = model.config().imageSize() * model.config().imageSize();
        NoiseSchedule sch = model.schedule();
        boolean v = model.config().prediction().equals("v");
        SplittableRandom rnd = new SplittableRandom(seed);
        double sum = 0;
        long count = 0;
        for (int start = 0; start < ds.size(); start += batch) {
            int m = Math.min(batch, ds.size() - start);
            float[] xt = new float[m * px];
            float[] target = new float[m * px];
            int[] ts = new int[m];
            int[][] prompts = new int[m][];
            for (int i = 0; i < m; i++) {
                int idx = start + i;
                ts[i] = (int) ((idx + 0.5) * sch.timesteps() / ds.size());
                prompts[i] = encoded.get(idx);
                double a = sch.signal(ts[i]);
                double s = sch.noise(ts[i]);
                for (int k = 0; k < px; k++) {
                    double x = ds.pixels()[idx * px + k];
                    double e = DiffusionModel.gaussian(rnd);
                    xt[i * px + k] = (float) (a * x + s * e);
                    target[i * px + k] = (float) (v ? a * e - s * x : e);
                }
            }
            try (DiffusionModel.EncodedPrompts enc = model.encode(PromptTokens.of(prompts, model.config().text()))) {
                float[] pred = model.predict(xt, ts, enc);
                for (int k = 0; k < pred.length; k++) {
                    double d = pred[k] - target[k];
                    sum += d * d;
                }
                count += pred.length;
            }
        }
        return sum / Math.max(1, count);
    }
}
