package org.synthray.agent.flower;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * A deterministic stand-in for local training, for protocol tests: fit returns
 * {@code w * scale + offset} for every element, so a test can compute the expected global model
 * independently.
 */
public final class ArithmeticTrainer implements LocalTrainer {
    private final Weights initial;
    private final double scale;
    private final double offset;
    private final long examples;
    public final AtomicInteger fits = new AtomicInteger();
    public final List<Map<String, Scalar>> fitConfigs = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The identity ({@link org.synthray.tensor.ModelId}) of every global model this site was asked to train from, in order. */
    public final List<String> receivedModels = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long fitMillis;

    /** Makes each fit take this long, like real local training. */
    public ArithmeticTrainer slow(long millis) {
        this.fitMillis = millis;
        return this;
    }

    public ArithmeticTrainer(Weights initial, double scale, double offset, long examples) {
        this.initial = initial;
        this.scale = scale;
        this.offset = offset;
        this.examples = examples;
    }

    @Override
    public Weights initialWeights() {
        return initial;
    }

    @Override
    public FitResult fit(Weights global, Map<String, Scalar> config) {
        fits.incrementAndGet();
        fitConfigs.add(config);
        receivedModels.add(global.modelId());
        if (fitMillis > 0) {
            try {
                Thread.sleep(fitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : global) {
            double[] v = t.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] * scale + offset;
            }
            out.add(Tensor.fromDoubles(t.name(), t.dtype(), t.shape(), v));
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("train_loss", mean(global));
        metrics.put("round_seen", Scalars.getLong(config, "server_round", -1));
        return new FitResult(new Weights(out), examples, metrics);
    }

    @Override
    public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
        return new EvaluateResult(Math.abs(mean(global)), examples, Map.of("accuracy", 0.5));
    }

    static double mean(Weights w) {
        double s = 0;
        long n = 0;
        for (Tensor t : w) {
            for (double d : t.toDoubleArray()) {
                s += d;
                n++;
            }
        }
        return n == 0 ? 0 : s / n;
    }
}
