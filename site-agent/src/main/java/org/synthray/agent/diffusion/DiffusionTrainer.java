package org.synthray.agent.diffusion;

import java.util.LinkedHashMap;
import java.util.Map;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/**
 * The diffusion model as a Flower participant: {@code fit} sets the global weights, trains locally
 * and returns the trained (not the averaged) weights; {@code evaluate} returns the denoising loss on
 * the site's validation images. Config keys (all optional): {@code local_steps} or
 * {@code local_epochs} (default 1 epoch), {@code lr} (default: the model config's), {@code proximal_mu}
 * (FedProx, default 0), {@code batch_size}, {@code server_round} (varies the seed per round).
 * Metrics carry numbers only: {@code train_loss}, {@code images_per_s}, {@code steps}.
 */
public final class DiffusionTrainer implements LocalTrainer {
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
        m.setWeights(global); // also the FedProx reference and a fresh optimiser
        long steps = Scalars.getLong(config, "local_steps", 0);
        long epochs = Scalars.getLong(config, "local_epochs", steps > 0 ? 0 : 1);
        double lr = Scalars.getDouble(config, "lr", m.config().learningRate());
        double mu = Scalars.getDouble(config, "proximal_mu", 0);
        int batch = (int) Scalars.getLong(config, "batch_size", m.config().batchSize());
        fits++;
        long round = Scalars.getLong(config, "server_round", fits);
        TrainOptions opt = new TrainOptions(steps, (int) epochs, 0, batch, lr, mu, seed + 1_000_003L * round);
        TrainingLoop.Summary s = new TrainingLoop(m, pipeline.tokenizer()).run(train, opt, progress.apply(round));
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("train_loss", s.meanLoss());
        metrics.put("images_per_s", s.imagesPerSecond());
        metrics.put("steps", s.steps());
        return new FitResult(m.weights(), train.size(), metrics);
    }

    @Override
    public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
        DiffusionModel m = pipeline.model();
        m.setWeights(global);
        ImageTextDataset data = val != null ? val : train;
        int batch = (int) Scalars.getLong(config, "batch_size", m.config().batchSize());
        double loss = new TrainingLoop(m, pipeline.tokenizer()).validationLoss(data, batch, seed);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("val_loss", loss);
        return new EvaluateResult(loss, data.size(), metrics);
    }
}
