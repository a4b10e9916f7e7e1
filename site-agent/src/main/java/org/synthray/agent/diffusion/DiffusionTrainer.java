package org.synthray.agent.diffusion;

import java.util.LinkedHashMap;
import java.util.Map;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.flower.Keys;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/**
 * The diffusion model as a Flower participant: {@code fit} sets the global weights, trains locally
 * and returns the trained (not the averaged) weights; {@code evaluate} returns the denoising loss on
 * the site's validation images. Config keys (all optional): {@code local_steps} or
 * {@code local_epochs} (default 1 epoch), {@code lr} (default: the model config's), {@code proximal_mu}
 * (FedProx, default 0), {@code batch_size}, {@code server_round} (varies the seed per round).
 * Metrics carry numbers only: {@code train_loss}, {@code images_per_s}, {@code steps}, and how far the
 * update moved the weights: {@code update_rms} (root-mean-square change per weight) and
 * {@code update_rms_per_lr_step} (the same over lr × steps; honest Adam training stays below about 1,
 * and cannot exceed about 3.2).
 *
 * <p>The site's optimiser state lives across rounds: each round continues the Adam moments of the
 * previous one instead of restarting them, and the learning rate ramps up over the optimiser's first
 * {@value #WARMUP_STEPS} steps.
 */
public final class DiffusionTrainer implements LocalTrainer {
    /**
     * Steps over which a site's learning rate ramps up from 0 the first time it trains (4 rounds of the
     * demo's 8 local steps): the first round from a trained model must not be a random walk.
     */
    static final int WARMUP_STEPS = 32;

    private final TextToImagePipeline pipeline;
    private final ImageTextDataset train;
    private final ImageTextDataset val;
    private final long seed;
    private final java.util.function.LongFunction<TrainingLoop.Listener> progress;
    /** FitIns answered so far: the round number when the server sends none (a stock Flower server). */
    private long fits;

    /**
     * @param val may be null: evaluate then uses the training images
     */
    public DiffusionTrainer(TextToImagePipeline pipeline, ImageTextDataset train, ImageTextDataset val, long seed) {
        this(pipeline, train, val, seed, round -> null);
    }

    /** @param progress a listener for each round's local training (given the round), or null for none */
    public DiffusionTrainer(TextToImagePipeline pipeline, ImageTextDataset train, ImageTextDataset val, long seed,
                            java.util.function.LongFunction<TrainingLoop.Listener> progress) {
        this.pipeline = pipeline;
        this.train = train;
        this.val = val;
        this.seed = seed;
        this.progress = progress;
        pipeline.model().setLearningRateWarmup(WARMUP_STEPS);
    }

    @Override
    public Weights initialWeights() {
        return pipeline.model().weights();
    }

    @Override
    public java.util.List<String> tensorNames() {
        return pipeline.model().parameters().stream().map(ParamSpec::name).toList();
    }

    @Override
    public FitResult fit(Weights global, Map<String, Scalar> config) {
        DiffusionModel m = pipeline.model();
        // Also the FedProx reference. The site's Adam moments carry over from its previous round: a fresh
        // Adam's first steps move every weight by about the learning rate whatever its gradient.
        m.setWeights(global, false);
        long steps = Scalars.getLong(config, Keys.LOCAL_STEPS, 0);
        long epochs = Scalars.getLong(config, Keys.LOCAL_EPOCHS, steps > 0 ? 0 : 1);
        double lr = Scalars.getDouble(config, Keys.LR, m.config().learningRate());
        double mu = Scalars.getDouble(config, Keys.PROXIMAL_MU, 0);
        int batch = (int) Scalars.getLong(config, Keys.BATCH_SIZE, m.config().batchSize());
        fits++;
        long round = Scalars.getLong(config, Keys.SERVER_ROUND, fits);
        TrainOptions opt = new TrainOptions(steps, (int) epochs, 0, batch, lr, mu, seed + 1_000_003L * round);
        TrainingLoop.Summary s = new TrainingLoop(m, pipeline.tokenizer()).run(train, opt, progress.apply(round));
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put(Keys.TRAIN_LOSS, s.meanLoss());
        metrics.put(Keys.IMAGES_PER_S, s.imagesPerSecond());
        metrics.put(Keys.STEPS, s.steps());
        Weights trained = m.weights();
        double rms = rmsChange(global, trained);
        metrics.put(Keys.UPDATE_RMS, rms);
        // Adam moves a weight by about lr per step at most (by (1-β1)/√(1-β2) ≈ 3.2·lr in the worst case),
        // so a ratio near 1 means every weight walked the full step every time; above 3.2 it is no Adam training.
        metrics.put(Keys.UPDATE_RMS_PER_LR_STEP, s.steps() == 0 ? 0.0 : rms / (lr * s.steps()));
        return new FitResult(trained, train.size(), metrics);
    }

    /** Root-mean-square change per weight from {@code a} to {@code b}. */
    static double rmsChange(Weights a, Weights b) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i).toFloatArray();
            float[] y = b.get(i).toFloatArray();
            for (int k = 0; k < x.length; k++) {
                double d = (double) y[k] - x[k];
                sum += d * d;
            }
            n += x.length;
        }
        return n == 0 ? 0 : Math.sqrt(sum / n);
    }

    @Override
    public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
        DiffusionModel m = pipeline.model();
        m.setWeights(global, false); // keeps the optimiser state for the next fit
        ImageTextDataset data = val != null ? val : train;
        int batch = (int) Scalars.getLong(config, Keys.BATCH_SIZE, m.config().batchSize());
        double loss = new TrainingLoop(m, pipeline.tokenizer()).validationLoss(data, batch, seed);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("val_loss", loss);
        return new EvaluateResult(loss, data.size(), metrics);
    }
}
