package org.synthray.agent.probe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.flower.Keys;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * A small real model for smoke-testing a federation in seconds: logistic regression on 16×16
 * thumbnails predicting whether a film has any labelled finding. It exercises the whole path (local
 * data, training, weights out, evaluation) without the cost of the diffusion model.
 *
 * <p>Config keys: {@code lr} (default 0.05), {@code local_epochs} (default 1), {@code proximal_mu}
 * (FedProx, default 0), {@code seed}.
 */
public final class FindingProbe implements LocalTrainer {
    /** Thumbnails are {@value}×{@value}: enough for a linear probe, cheap to hold. */
    public static final int SIDE = 16;
    static final String W = "probe/w";
    static final String B = "probe/b";
    private static final int D = SIDE * SIDE;

    /** Features (pixels, zero mean and unit variance per image) and label (1 = some finding). */
    record Example(float[] features, float label) {
    }

    private final List<Example> train;
    private final List<Example> validation;

    /** @param train, validation images loaded at {@link #SIDE} pixels */
    public FindingProbe(ImageTextDataset train, ImageTextDataset validation) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("no training images for this site");
        }
        this.train = examples(train);
        this.validation = validation != null ? examples(validation) : List.of();
    }

    static List<Example> examples(ImageTextDataset ds) {
        if (ds.imageSize() != SIDE) {
            throw new IllegalArgumentException("the probe takes " + SIDE + "x" + SIDE + " images, got " + ds.imageSize());
        }
        java.util.ArrayList<Example> out = new java.util.ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            List<String> labels = ds.labels(i);
            boolean finding = labels.stream().anyMatch(l -> !l.isBlank() && !l.equalsIgnoreCase("No Finding"));
            out.add(new Example(standardised(ds.image(i)), finding ? 1f : 0f));
        }
        return out;
    }

    private static float[] standardised(float[] px) {
        double mean = 0;
        for (float v : px) {
            mean += v;
        }
        mean /= px.length;
        double var = 0;
        for (float v : px) {
            var += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(var / px.length) + 1e-6;
        float[] f = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            f[i] = (float) ((px[i] - mean) / sd);
        }
        return f;
    }

    @Override
    public Weights initialWeights() {
        return weights(new float[D], 0f);
    }

    @Override
    public List<String> tensorNames() {
        return List.of(W, B);
    }

    @Override
    public FitResult fit(Weights global, Map<String, Scalar> config) {
        float[] w = global.get(W).toFloatArray();
        float b = global.get(B).toFloatArray()[0];
        float[] w0 = w.clone();
        float b0 = b;
        double lr = Scalars.getDouble(config, Keys.LR, 0.05);
        long epochs = Scalars.getLong(config, Keys.LOCAL_EPOCHS, 1);
        double mu = Scalars.getDouble(config, Keys.PROXIMAL_MU, 0);
        Random random = new Random(Scalars.getLong(config, Keys.SEED, 0) + Scalars.getLong(config, Keys.SERVER_ROUND, 0));
        long start = System.nanoTime();
        double lossSum = 0;
        int steps = 0;
        for (int e = 0; e < epochs; e++) {
            int[] order = random.ints(0, train.size()).limit(train.size()).toArray();
            for (int i : order) {
                Example x = train.get(i);
                double p = sigmoid(dot(w, x.features()) + b);
                lossSum += bce(p, x.label());
                steps++;
                float g = (float) (p - x.label());
                for (int j = 0; j < D; j++) {
                    w[j] -= (float) (lr * (g * x.features()[j] + mu * (w[j] - w0[j])));
                }
                b -= (float) (lr * (g + mu * (b - b0)));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put(Keys.TRAIN_LOSS, steps > 0 ? lossSum / steps : 0.0);
        metrics.put(Keys.IMAGES_PER_S, steps / Math.max(seconds, 1e-9));
        return new FitResult(weights(w, b), train.size(), metrics);
    }

    @Override
    public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
        List<Example> data = validation.isEmpty() ? train : validation;
        float[] w = global.get(W).toFloatArray();
        float b = global.get(B).toFloatArray()[0];
        int correct = 0;
        for (Example x : data) {
            if ((sigmoid(dot(w, x.features()) + b) >= 0.5) == (x.label() >= 0.5f)) {
                correct++;
            }
        }
        return new EvaluateResult(loss(global, data), data.size(), Map.of(Keys.ACCURACY, (double) correct / data.size()));
    }

    /** Mean cross-entropy of {@code weights} on the training (or validation) images. */
    double evaluateOn(Weights weights, boolean trainingSet) {
        return loss(weights, trainingSet ? train : validation);
    }

    private static double loss(Weights weights, List<Example> data) {
        float[] w = weights.get(W).toFloatArray();
        float b = weights.get(B).toFloatArray()[0];
        double loss = 0;
        for (Example x : data) {
            loss += bce(sigmoid(dot(w, x.features()) + b), x.label());
        }
        return loss / data.size();
    }

    private static Weights weights(float[] w, float b) {
        return Weights.of(Tensor.ofFloats(W, new int[] {D}, w), Tensor.ofFloats(B, new int[] {}, b));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double bce(double p, float y) {
        double q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
        return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
    }
}
