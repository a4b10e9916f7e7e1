package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jboss.logging.Logger;
import org.synthray.coordinator.federation.ClientEvaluation;
import org.synthray.coordinator.federation.ClientTask;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.EvaluationSummary;
import org.synthray.coordinator.federation.StatefulStrategy;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Site-level differential privacy for any strategy: DP-FedAvg with server-side clipping (McMahan et
 * al. 2018), with fixed or adaptive clipping (Andrew et al. 2021).
 *
 * <p>Each round, every site's update {@code Δₖ = wₖ − w_global} (floating-point tensors, as one
 * vector) is scaled to L2 norm at most C; the clipped updates are summed, unweighted, Gaussian noise
 * {@code N(0, (σ_Δ·C)²)} is added to every coordinate of the sum, and the sum is divided by m, the
 * number of sites asked to train this round (a fixed denominator: it does not depend on who answers).
 * The inner strategy then receives this one noised average, as the model {@code w_global + mean}, as
 * its round's only update: whatever the inner strategy does with it (FedAdam's server step, FedProx's
 * config) is post-processing and keeps the guarantee. Site example counts are ignored (a weighted
 * average would let one site's weight exceed C/m). Integer and boolean tensors (counters) keep the
 * global model's values: they are not released.
 *
 * <p>Adaptive clipping: the server also counts the sites whose update was not clipped, adds
 * {@code N(0, σ_b²)} to the count, and moves C geometrically toward the target quantile γ of update
 * norms: {@code C ← C·exp(−η_C·(b̃/m − γ))}. The noise multiplier σ given is the total for the round:
 * the update noise uses {@code σ_Δ = (σ⁻² − (2σ_b)⁻²)^(−1/2)} so both releases together cost what one
 * Gaussian mechanism with multiplier σ costs. σ_b defaults to {@code max(m/20, σ)}: m/20 is Andrew et
 * al.'s choice, raised to σ when m is small so σ_Δ stays within 2/√3 of σ.
 *
 * <p>Accounting: each round is one step of the sampled Gaussian mechanism with q = m / (sites
 * available) and multiplier σ, composed in a {@link RdpAccountant}; ε for the configured δ is
 * reported in the round metrics as {@code dp_epsilon}. The unit of privacy is a site: ε bounds what
 * the sequence of global models reveals about whether any one site took part. The analysis assumes
 * Poisson sampling; sites are sampled without replacement with a fixed count, the usual
 * approximation in federated learning. Metrics and evaluation results that sites send are not
 * covered.
 */
public class DpStrategy implements StatefulStrategy {
    private static final Logger LOG = Logger.getLogger(DpStrategy.class);

    /**
     * @param noiseMultiplier    σ, noise standard deviation over the clip norm (0: clipping only, ε = ∞)
     * @param clipNorm           C, the L2 bound of one site's update (the initial one when adaptive)
     * @param adaptive           adapt C toward the target quantile of update norms
     * @param targetQuantile     γ, the fraction of sites whose update should fit under C
     * @param clipLearningRate   η_C, the step of the geometric clip-norm update
     * @param clippedCountStddev σ_b, the noise on the unclipped count; null for {@code max(m/20, σ)}
     * @param delta              δ of the reported (ε, δ)
     */
    public record Config(double noiseMultiplier, double clipNorm, boolean adaptive, double targetQuantile,
                         double clipLearningRate, Double clippedCountStddev, double delta) {
        public static final double DEFAULT_NOISE_MULTIPLIER = 1.0;
        public static final double DEFAULT_CLIP_NORM = 1.0;
        public static final double DEFAULT_TARGET_QUANTILE = 0.5;
        public static final double DEFAULT_CLIP_LEARNING_RATE = 0.2;
        public static final double DEFAULT_DELTA = 1e-5;

        public Config {
            if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
                throw new IllegalArgumentException("noise_multiplier must be a finite number >= 0, got " + noiseMultiplier);
            }
            if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
                throw new IllegalArgumentException("clip_norm must be a finite number > 0, got " + clipNorm);
            }
            if (!(targetQuantile >= 0 && targetQuantile <= 1)) {
                throw new IllegalArgumentException("target_quantile must be in [0, 1], got " + targetQuantile);
            }
            if (!(clipLearningRate > 0) || Double.isInfinite(clipLearningRate)) {
                throw new IllegalArgumentException("clip_learning_rate must be a finite number > 0, got " + clipLearningRate);
            }
            if (clippedCountStddev != null) {
                if (!(clippedCountStddev >= 0) || clippedCountStddev.isInfinite()) {
                    throw new IllegalArgumentException("clipped_count_stddev must be a finite number >= 0, got "
                            + clippedCountStddev);
                }
                if (noiseMultiplier > 0 && !(2 * clippedCountStddev > noiseMultiplier)) {
                    throw new IllegalArgumentException("clipped_count_stddev must be > noise_multiplier / 2 ("
                            + noiseMultiplier / 2 + "), got " + clippedCountStddev
                            + ": the count's noise alone would use more than the round's privacy budget");
                }
            }
            if (!(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
            }
        }

        /** Fixed clipping with the given noise multiplier and clip norm, δ = 1e-5. */
        public static Config fixed(double noiseMultiplier, double clipNorm) {
            return new Config(noiseMultiplier, clipNorm, false, DEFAULT_TARGET_QUANTILE, DEFAULT_CLIP_LEARNING_RATE,
                    null, DEFAULT_DELTA);
        }
    }

    private final Strategy inner;
    private final Config config;
    private final OptionalLong noiseSeed;
    private final RdpAccountant accountant = new RdpAccountant();
    private final Map<Integer, int[]> sampled = new HashMap<>(); // round → {asked, available}
    private double clipNorm;
    private long noisedRounds;

    /**
     * @param noiseSeed empty for secure noise (always, outside tests)
     */
    public DpStrategy(Strategy inner, Config config, OptionalLong noiseSeed) {
        this.inner = inner;
        this.config = config;
        this.noiseSeed = noiseSeed;
        this.clipNorm = config.clipNorm();
    }

    public Strategy inner() {
        return inner;
    }

    public Config config() {
        return config;
    }

    /** The clip norm the next round will use. */
    public double clipNorm() {
        return clipNorm;
    }

    /** ε spent so far for the configured δ. */
    public double epsilon() {
        return noisedRounds == 0 ? 0 : accountant.epsilon(config.delta());
    }

    @Override
    public String name() {
        return "dp-" + inner.name();
    }

    @Override
    public int minFitResults() {
        return inner.minFitResults();
    }

    @Override
    public List<ClientTask> configureFit(int round, Weights global, List<String> availableClients) {
        List<ClientTask> tasks = inner.configureFit(round, global, availableClients);
        sampled.put(round, new int[] {tasks.size(), availableClients.size()});
        sampled.keySet().removeIf(r -> r < round - 8);
        return tasks;
    }

    @Override
    public List<ClientTask> configureEvaluate(int round, Weights global, List<String> availableClients) {
        return inner.configureEvaluate(round, global, availableClients);
    }

    @Override
    public EvaluationSummary aggregateEvaluate(int round, List<ClientEvaluation> results) {
        return inner.aggregateEvaluate(round, results);
    }

    @Override
    public UpdateAggregator aggregator(int round, Weights global) {
        return new Aggregator(round, global);
    }

    /** The clipped-count noise σ_b for a round with m sites asked. */
    double countStddev(int m) {
        if (config.clippedCountStddev() != null) {
            return config.clippedCountStddev();
        }
        return config.noiseMultiplier() == 0 ? 0 : Math.max(m / 20.0, config.noiseMultiplier());
    }

    /** σ_Δ: the whole σ with fixed clipping, what the count leaves of it with adaptive clipping. */
    double valueNoiseMultiplier(int m) {
        double z = config.noiseMultiplier();
        if (!config.adaptive() || z == 0) {
            return z;
        }
        double twoSigmaB = 2 * countStddev(m);
        return 1 / Math.sqrt(1 / (z * z) - 1 / (twoSigmaB * twoSigmaB));
    }

    private final class Aggregator implements UpdateAggregator {
        private final int round;
        private final Weights global;
        private final WeightedSum sum;
        private final double clip = clipNorm;
        private double scaleSum;
        private int unclipped;
        private Map<String, Double> metrics = Map.of();

        Aggregator(int round, Weights global) {
            this.round = round;
            this.global = global;
            this.sum = new WeightedSum(global);
        }

        @Override
        public void add(ClientUpdate update) {
            double norm = Math.sqrt(squaredDistance(update.weights(), global));
            double scale = norm > clip ? clip / norm : 1.0;
            for (int i = 0; i < global.size(); i++) {
                if (global.get(i).dtype().isFloatingPoint()) {
                    sum.addTensor(i, update.weights().get(i), scale);
                }
            }
            sum.addedOne(scale);
            scaleSum += scale;
            if (norm <= clip) {
                unclipped++;
            }
        }

        @Override
        public int count() {
            return sum.count();
        }

        @Override
        public Weights result() {
            int[] mn = sampled.getOrDefault(round, new int[] {sum.count(), sum.count()});
            int m = Math.max(mn[0], sum.count());
            int available = Math.max(mn[1], m);
            double q = (double) m / available;
            double valueSigma = valueNoiseMultiplier(m);
            double stddevOfSum = valueSigma * clip;
            GaussianNoise noise = noiseSeed.isPresent() ? GaussianNoise.seeded(noiseSeed.getAsLong() * 1_000_003L + round)
                    : GaussianNoise.secure();
            Weights noised = noisedAverage(noise, stddevOfSum, m);

            double nextClip = clip;
            double noisyUnclippedFraction = Double.NaN;
            if (config.adaptive()) {
                double sigmaB = countStddev(m);
                noisyUnclippedFraction = (unclipped + sigmaB * noise.next()) / m;
                nextClip = clip * Math.exp(-config.clipLearningRate() * (noisyUnclippedFraction - config.targetQuantile()));
            }
            noise.wipe();

            Weights out;
            Map<String, Double> innerMetrics = Map.of();
            if (inner.getClass() == FedAvg.class || inner.getClass() == FedProx.class) {
                out = noised; // averaging a single update gives it back
            } else {
                try (UpdateAggregator agg = inner.aggregator(round, global)) {
                    agg.add(new ClientUpdate("dp-aggregate", noised, 1, Map.of()));
                    out = agg.result();
                    innerMetrics = agg.metrics();
                }
            }

            // The round's release is done: charge it and move the clip norm.
            accountant.compose(q, config.noiseMultiplier(), 1);
            noisedRounds++;
            clipNorm = nextClip;
            double epsilon = accountant.epsilon(config.delta());
            Map<String, Double> m2 = new LinkedHashMap<>(innerMetrics);
            m2.put("dp_epsilon", epsilon);
            m2.put("dp_delta", config.delta());
            m2.put("dp_noise_multiplier", config.noiseMultiplier());
            m2.put("dp_sampling_rate", q);
            m2.put("dp_clip_norm", clip);
            m2.put("dp_noise_stddev", stddevOfSum / m);
            if (config.adaptive()) {
                m2.put("dp_value_noise_multiplier", valueSigma);
                m2.put("dp_unclipped_fraction", noisyUnclippedFraction);
                m2.put("dp_next_clip_norm", nextClip);
            }
            metrics = m2;
            LOG.infof("round %d: %s clip_norm=%.4g noise_stddev=%.4g q=%.3f epsilon=%.4f (delta=%.1e)%s", round, name(),
                    clip, stddevOfSum / m, q, epsilon, config.delta(),
                    config.adaptive() ? String.format(" next_clip_norm=%.4g", nextClip) : "");
            return out;
        }

        /** {@code w_global + (Σ clipped Δₖ + noise) / m}, floating tensors only; other tensors stay global. */
        private Weights noisedAverage(GaussianNoise noise, double stddevOfSum, int m) {
            List<Tensor> out = new ArrayList<>(global.size());
            double[] g = new double[TensorValues.CHUNK];
            double[] next = new double[TensorValues.CHUNK];
            for (int i = 0; i < global.size(); i++) {
                Tensor gt = global.get(i);
                Object acc = sum.take(i);
                if (!gt.dtype().isFloatingPoint()) {
                    out.add(gt);
                    continue;
                }
                int n = TensorValues.elements(gt);
                ByteBuffer data = gt.data();
                ByteBuffer buf = TensorValues.allocate(gt);
                for (int off = 0; off < n; off += TensorValues.CHUNK) {
                    int len = Math.min(TensorValues.CHUNK, n - off);
                    TensorValues.read(data, gt.dtype(), off, g, len);
                    for (int j = 0; j < len; j++) {
                        double s = WeightedSum.valueAt(acc, off + j);
                        double clippedSum = s - scaleSum * g[j];
                        double z = stddevOfSum == 0 ? 0 : stddevOfSum * noise.next();
                        next[j] = g[j] + (clippedSum + z) / m;
                    }
                    TensorValues.write(buf, gt.dtype(), off, next, len);
                }
                out.add(new Tensor(gt.name(), gt.dtype(), gt.shape(), buf));
            }
            return new Weights(out);
        }

        @Override
        public Map<String, Double> metrics() {
            return metrics;
        }
    }

    /** ‖a − b‖² over the floating-point tensors. */
    static double squaredDistance(Weights a, Weights b) {
        double s = 0;
        double[] x = new double[TensorValues.CHUNK];
        double[] y = new double[TensorValues.CHUNK];
        for (int i = 0; i < b.size(); i++) {
            Tensor tb = b.get(i);
            if (!tb.dtype().isFloatingPoint()) {
                continue;
            }
            Tensor ta = a.get(i);
            ByteBuffer da = ta.data();
            ByteBuffer db = tb.data();
            int n = TensorValues.elements(tb);
            for (int off = 0; off < n; off += TensorValues.CHUNK) {
                int len = Math.min(TensorValues.CHUNK, n - off);
                TensorValues.read(da, ta.dtype(), off, x, len);
                TensorValues.read(db, tb.dtype(), off, y, len);
                for (int j = 0; j < len; j++) {
                    double d = x[j] - y[j];
                    s += d * d;
                }
            }
        }
        return s;
    }

    @Override
    public Weights state() {
        List<Tensor> out = new ArrayList<>();
        if (inner instanceof StatefulStrategy s) {
            out.addAll(s.state().tensors());
        }
        if (noisedRounds == 0 && clipNorm == config.clipNorm()) {
            return new Weights(out);
        }
        double[] orders = accountant.orders();
        out.add(Tensor.ofDoubles("dp/orders", new int[] {orders.length}, orders));
        out.add(Tensor.ofDoubles("dp/rdp", new int[] {orders.length}, accountant.rdp()));
        out.add(Tensor.ofLongs("dp/rounds", new int[] {}, noisedRounds));
        out.add(Tensor.ofDoubles("dp/clip_norm", new int[] {}, clipNorm));
        return new Weights(out);
    }

    @Override
    public void restore(Weights state) {
        List<Tensor> innerState = new ArrayList<>();
        Map<String, Tensor> own = new HashMap<>();
        for (Tensor t : state) {
            if (t.name().startsWith("dp/")) {
                own.put(t.name(), t);
            } else {
                innerState.add(t);
            }
        }
        if (inner instanceof StatefulStrategy s) {
            s.restore(new Weights(innerState));
        } else if (!innerState.isEmpty()) {
            throw new IllegalArgumentException(inner.name() + " keeps no state, but the saved state has "
                    + innerState.stream().map(Tensor::name).toList());
        }
        if (own.isEmpty()) {
            accountant.restore(new double[accountant.orders().length], 0);
            noisedRounds = 0;
            clipNorm = config.clipNorm();
            return;
        }
        for (String k : List.of("dp/orders", "dp/rdp", "dp/rounds", "dp/clip_norm")) {
            if (!own.containsKey(k)) {
                throw new IllegalArgumentException("differential-privacy state lacks '" + k + "'");
            }
        }
        double[] orders = own.get("dp/orders").toDoubleArray();
        if (!java.util.Arrays.equals(orders, accountant.orders())) {
            throw new IllegalArgumentException("differential-privacy state was accounted at other RDP orders");
        }
        if (own.get("dp/rounds").dtype() != DType.INT64) {
            throw new IllegalArgumentException("dp/rounds must be int64");
        }
        accountant.restore(own.get("dp/rdp").toDoubleArray(), own.get("dp/rounds").getLong(0));
        noisedRounds = own.get("dp/rounds").getLong(0);
        clipNorm = own.get("dp/clip_norm").getDouble(0);
    }
}
