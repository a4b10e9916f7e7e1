package org.synthray.agent.diffusion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.synthray.agent.text.PromptTokens;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The text-to-image denoiser (text encoder + U-Net) in one TensorFlow graph and session, like a
 * diffusers {@code UNet2DConditionModel} with its text encoder: it knows how to predict and how to
 * take one optimiser step, not how to sample (that is {@link TextToImagePipeline} with a {@link Scheduler}) nor where images come
 * from (that is {@link TrainingLoop}).
 *
 * <p>The graph holds three copies of every weight: the trained variables (Adam updates them), their
 * exponential moving average (what sampling and validation use) and a reference copy for the FedProx
 * term. {@link #weights()} / {@link #setWeights(Weights)} move the trained copy in and out as
 * {@link Weights}: float32, same names and order for every model of a config.
 *
 * <p>Not thread-safe; close it to free native memory.
 */
public final class DiffusionModel implements AutoCloseable {
    private static final float ADAM_B1 = 0.9f;
    private static final float ADAM_B2 = 0.999f;
    private static final float ADAM_EPS = 1e-8f;

    private final ModelConfig config;
    private final NoiseSchedule schedule;
    private final Graph graph;
    private final Session session;
    private final List<ParamSpec> specs;
    private final double flopsPerImage;

    // weights
    private final List<Variable<TFloat32>> vars = new ArrayList<>();
    private final List<Variable<TFloat32>> emaVars = new ArrayList<>();
    private final List<Placeholder<TFloat32>> weightFeeds = new ArrayList<>();
    private final List<Placeholder<TFloat32>> refFeeds = new ArrayList<>();
    private Op assignWeights;
    private Op assignEma;
    private Op assignReference;
    private Op resetOptimizer;

    // training inputs and ops
    private Placeholder<TFloat32> trX0;
    private Placeholder<TFloat32> trNoise;
    private Placeholder<TFloat32> trT;
    private Placeholder<TFloat32> trSignal;
    private Placeholder<TFloat32> trNoiseScale;
    private Placeholder<TInt32> trTokens;
    private Placeholder<TFloat32> lr;
    private Placeholder<TFloat32> b1Power;
    private Placeholder<TFloat32> b2Power;
    private Placeholder<TFloat32> mu;
    private Placeholder<TFloat32> emaRate;
    private Operand<TFloat32> trLoss;
    private Operand<TFloat32> proxTerm;
    private Op trainOp;

    // sampling (EMA weights) inputs and outputs
    private Placeholder<TFloat32> smX;
    private Placeholder<TFloat32> smT;
    private Placeholder<TInt32> smTokens;
    private Operand<TFloat32> smContext;
    private Operand<TFloat32> smMask;
    private Operand<TFloat32> smOut;

    private long adamStep;
    private long stepsSinceSet;
    private int warmupSteps;

    private DiffusionModel(ModelConfig config, int threads) {
        this.config = config;
        this.schedule = new NoiseSchedule(config.timesteps());
        this.graph = new Graph();
        Ops tf = Ops.create(graph);
        FlopCounter flops = new FlopCounter();
        this.specs = buildTraining(tf.withSubScope("train"), flops);
        this.flopsPerImage = flops.total();
        buildSampling(tf.withSubScope("ema"));
        ConfigProto.Builder cp = ConfigProto.newBuilder().setInterOpParallelismThreads(2);
        if (threads > 0) {
            cp.setIntraOpParallelismThreads(threads);
        }
        this.session = new Session(graph, cp.build());
    }

    /** A fresh model with weights drawn from {@code seed} (the same seed gives the same weights). */
    public static DiffusionModel create(ModelConfig config, long seed) {
        DiffusionModel m = new DiffusionModel(config, 0);
        m.setWeights(m.initialWeights(seed));
        return m;
    }

    /** A model with the given weights (checked against the config: names, shapes and order). */
    public static DiffusionModel create(ModelConfig config, Weights weights) {
        DiffusionModel m = new DiffusionModel(config, 0);
        try {
            m.setWeights(weights);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    private List<ParamSpec> buildTraining(Ops tf, FlopCounter flops) {
        int s = config.imageSize();
        int c = config.text().chunkLength();
        trX0 = tf.withName("x0").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s, s, 1)));
        trNoise = tf.withName("noise").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s, s, 1)));
        trT = tf.withName("t").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        trSignal = tf.withName("signal").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        trNoiseScale = tf.withName("noise_scale").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        trTokens = tf.withName("tokens").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1, c)));

        Layers layers = new Layers(tf, spec -> {
            Variable<TFloat32> v = tf.withName("w" + vars.size()).variable(Shape.of(toLong(spec.shape())), TFloat32.class);
            vars.add(v);
            return v;
        }, flops);
        Operand<TFloat32> a = tf.reshape(trSignal, tf.constant(new int[] {-1, 1, 1, 1}));
        Operand<TFloat32> sg = tf.reshape(trNoiseScale, tf.constant(new int[] {-1, 1, 1, 1}));
        Operand<TFloat32> xt = tf.math.add(tf.math.mul(a, trX0), tf.math.mul(sg, trNoise));
        TextEncoderNet.Output text = TextEncoderNet.build(layers, config.text(), trTokens);
        Operand<TFloat32> pred = UNetNet.build(layers, config, xt, trT, text.context(), text.mask());
        Operand<TFloat32> target = config.prediction().equals("v")
                ? tf.math.sub(tf.math.mul(a, trNoise), tf.math.mul(sg, trX0))
                : trNoise;
        trLoss = tf.math.mean(tf.math.squaredDifference(pred, target), tf.constant(new int[] {0, 1, 2, 3}));

        List<ParamSpec> declared = layers.specs();
        // Gradients of the denoising loss only; the FedProx term's gradient mu·(w − w_ref) is added
        // directly below, so its reference copy never becomes something Adam would train.
        org.tensorflow.op.core.Gradients grads = tf.gradients(trLoss, vars);
        lr = tf.withName("lr").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        b1Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        b2Power = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        mu = tf.withName("mu").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        emaRate = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

        List<Operand<TFloat32>> total = new ArrayList<>();
        List<Operand<TFloat32>> proxParts = new ArrayList<>();
        List<Variable<TFloat32>> refs = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Variable<TFloat32> v = vars.get(i);
            Variable<TFloat32> ref = tf.variable(Shape.of(toLong(declared.get(i).shape())), TFloat32.class);
            refs.add(ref);
            @SuppressWarnings("unchecked")
            Operand<TFloat32> g = (Operand<TFloat32>) (Operand<?>) grads.dy(i);
            Operand<TFloat32> diff = tf.math.sub(v, ref);
            total.add(tf.math.add(g, tf.math.mul(mu, diff)));
            proxParts.add(tf.sum(tf.math.square(diff), tf.constant(allAxes(declared.get(i).shape().length))));
        }
        proxTerm = tf.math.mul(tf.math.mul(mu, tf.constant(0.5f)), tf.math.addN(proxParts));
        // Global-norm clipping keeps a bad batch from wrecking the weights.
        List<Operand<TFloat32>> sq = new ArrayList<>();
        for (int i = 0; i < total.size(); i++) {
            sq.add(tf.sum(tf.math.square(total.get(i)), tf.constant(allAxes(declared.get(i).shape().length))));
        }
        Operand<TFloat32> norm = tf.math.sqrt(tf.math.addN(sq));
        float clip = (float) config.gradClip();
        Operand<TFloat32> scale = tf.math.div(tf.constant(clip), tf.math.maximum(norm, tf.constant(clip)));

        Operand<TFloat32> beta1 = tf.constant(ADAM_B1);
        Operand<TFloat32> beta2 = tf.constant(ADAM_B2);
        Operand<TFloat32> epsilon = tf.constant(ADAM_EPS);
        List<Op> updates = new ArrayList<>();
        List<Op> resets = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Shape shape = Shape.of(toLong(declared.get(i).shape()));
            Variable<TFloat32> m = tf.variable(shape, TFloat32.class);
            Variable<TFloat32> v2 = tf.variable(shape, TFloat32.class);
            // zerosLike, not tf.zeros(shape): the latter made building a graph 10× slower.
            resets.add(tf.assign(m, tf.zerosLike(vars.get(i))));
            resets.add(tf.assign(v2, tf.zerosLike(vars.get(i))));
            updates.add(tf.train.applyAdam(vars.get(i), m, v2, b1Power, b2Power, lr, beta1, beta2, epsilon,
                    tf.math.mul(total.get(i), scale)));
        }
        // EMA after the optimiser step: ema ← ema − (1 − decay)·(ema − w).
        // One group op to depend on: per-op control edges to every update would cost O(n²) edges.
        Ops after = tf.withControlDependencies(List.of(tf.withControlDependencies(updates).noOp()));
        List<Op> emaUpdates = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Variable<TFloat32> e = tf.variable(Shape.of(toLong(declared.get(i).shape())), TFloat32.class);
            emaVars.add(e);
            emaUpdates.add(after.assignSub(e, after.math.mul(emaRate, after.math.sub(e, vars.get(i)))));
        }
        trainOp = tf.withControlDependencies(emaUpdates).noOp();

        List<Op> assignW = new ArrayList<>();
        List<Op> assignE = new ArrayList<>();
        List<Op> assignR = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Shape shape = Shape.of(toLong(declared.get(i).shape()));
            Placeholder<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
            weightFeeds.add(p);
            assignW.add(tf.assign(vars.get(i), p));
            assignE.add(tf.assign(emaVars.get(i), p));
            Placeholder<TFloat32> r = tf.placeholder(TFloat32.class, Placeholder.shape(shape));
            refFeeds.add(r);
            assignR.add(tf.assign(refs.get(i), r));
        }
        assignWeights = tf.withControlDependencies(assignW).noOp();
        assignEma = tf.withControlDependencies(assignE).noOp();
        assignReference = tf.withControlDependencies(assignR).noOp();
        resetOptimizer = tf.withControlDependencies(resets).noOp();
        return declared;
    }

    private void buildSampling(Ops tf) {
        int s = config.imageSize();
        int c = config.text().chunkLength();
        smX = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s, s, 1)));
        smT = tf.withName("t").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
        smTokens = tf.withName("tokens").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1, c)));
        int[] next = {0};
        Layers layers = new Layers(tf, spec -> emaVars.get(next[0]++), null);
        TextEncoderNet.Output text = TextEncoderNet.build(layers, config.text(), smTokens);
        smContext = text.context();
        smMask = text.mask();
        smOut = UNetNet.build(layers, config, smX, smT, smContext, smMask);
    }

    private static long[] toLong(int[] shape) {
        long[] l = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            l[i] = shape[i];
        }
        return l;
    }

    private static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) {
            a[i] = i;
        }
        return a;
    }

    public ModelConfig config() {
        return config;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /** Forward FLOPs per image for a one-chunk prompt (training costs about three times this). */
    public double flopsPerImage() {
        return flopsPerImage;
    }

    public long parameterCount() {
        long n = 0;
        for (ParamSpec p : specs) {
            n += p.size();
        }
        return n;
    }

    /** Names and shapes of the weights, in order. */
    public List<ParamSpec> parameters() {
        return List.copyOf(specs);
    }

    /** Fresh weights for this config, reproducible from the seed. */
    public Weights initialWeights(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> out = new ArrayList<>();
        for (ParamSpec p : specs) {
            float[] v = new float[Math.toIntExact(p.size())];
            switch (p.init()) {
                case "ones" -> java.util.Arrays.fill(v, 1f);
                case "normal" -> {
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (gaussian(rnd) * p.std());
                    }
                }
                default -> {
                }
            }
            out.add(Tensor.ofFloats(p.name(), p.shape(), v));
        }
        return new Weights(out);
    }

    static double gaussian(SplittableRandom r) {
        // Box–Muller: SplittableRandom has no nextGaussian in Java 17.
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** The trained weights (what federated training sends), float32. */
    public Weights weights() {
        return fetch(vars);
    }

    /** The moving average of the trained weights: what sampling and validation use, and what a checkpoint holds. */
    public Weights emaWeights() {
        return fetch(emaVars);
    }

    private Weights fetch(List<Variable<TFloat32>> which) {
        Session.Runner r = session.runner();
        which.forEach(r::fetch);
        List<Tensor> out = new ArrayList<>();
        try (Result res = r.run()) {
            for (int i = 0; i < which.size(); i++) {
                TFloat32 t = (TFloat32) res.get(i);
                float[] v = new float[Math.toIntExact(specs.get(i).size())];
                t.copyTo(DataBuffers.of(v, false, false));
                out.add(Tensor.ofFloats(specs.get(i).name(), specs.get(i).shape(), v));
            }
        }
        return new Weights(out);
    }

    /**
     * Sets the trained weights and their moving average to {@code w}, sets the FedProx reference to
     * {@code w} as well and restarts the optimiser: the state a federated round starts from.
     *
     * @throws IllegalArgumentException naming the first mismatch when {@code w} belongs to another config
     */
    public void setWeights(Weights w) {
        setWeights(w, true);
    }

    /**
     * Like {@link #setWeights(Weights)}, but with {@code freshOptimizer} false the optimiser's moments
     * and step count carry over: a site's next federated round then continues its Adam state instead
     * of restarting it, whose first steps move every weight by about the learning rate whatever its
     * gradient.
     */
    public void setWeights(Weights w, boolean freshOptimizer) {
        checkCompatible(w);
        Session.Runner r = session.runner();
        List<TFloat32> tensors = toTf(w);
        try {
            for (int i = 0; i < tensors.size(); i++) {
                r.feed(weightFeeds.get(i), tensors.get(i));
                r.feed(refFeeds.get(i), tensors.get(i));
            }
            r.addTarget(assignWeights).addTarget(assignEma).addTarget(assignReference);
            if (freshOptimizer) {
                r.addTarget(resetOptimizer);
            }
            r.run();
        } finally {
            tensors.forEach(TFloat32::close);
        }
        if (freshOptimizer) {
            adamStep = 0;
        }
        stepsSinceSet = 0;
    }

    /** Sets only the FedProx reference weights (the global model of the round). */
    public void setReference(Weights w) {
        checkCompatible(w);
        Session.Runner r = session.runner();
        List<TFloat32> tensors = toTf(w);
        try {
            for (int i = 0; i < tensors.size(); i++) {
                r.feed(refFeeds.get(i), tensors.get(i));
            }
            r.addTarget(assignReference).run();
        } finally {
            tensors.forEach(TFloat32::close);
        }
    }

    private void checkCompatible(Weights w) {
        if (w.size() != specs.size()) {
            throw new IllegalArgumentException("weights do not fit model config '" + config.name() + "': expected "
                    + specs.size() + " tensors, got " + w.size() + " (a checkpoint of another config?)");
        }
        for (int i = 0; i < specs.size(); i++) {
            ParamSpec p = specs.get(i);
            Tensor t = w.get(i);
            if (!p.name().equals(t.name()) || !java.util.Arrays.equals(p.shape(), t.shape())) {
                throw new IllegalArgumentException("weights do not fit model config '" + config.name() + "': tensor "
                        + i + " should be '" + p.name() + "' " + Tensor.shapeString(p.shape()) + ", got '" + t.name()
                        + "' " + Tensor.shapeString(t.shape()) + " (a checkpoint of another config?)");
            }
            if (!t.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is " + t.dtype().descr()
                        + ", expected a floating-point type");
            }
        }
    }

    private static List<TFloat32> toTf(Weights w) {
        List<TFloat32> out = new ArrayList<>();
        for (Tensor t : w) {
            float[] v = t.toFloatArray();
            for (float f : v) {
                if (!Float.isFinite(f)) {
                    out.forEach(TFloat32::close);
                    throw new IllegalArgumentException("tensor '" + t.name() + "' holds NaN or infinite values");
                }
            }
            out.add(TFloat32.tensorOf(Shape.of(toLong(t.shape())), DataBuffers.of(v, true, false)));
        }
        return out;
    }

    /**
     * One optimiser step on a batch.
     *
     * @param x0        clean images, [B·S·S] in [-1, 1]
     * @param noise     ε, [B·S·S]
     * @param timesteps t per image (0-based)
     * @param tokens    the prompts (empty prompts where the condition was dropped)
     * @param learningRate Adam step size
     * @param proxMu    FedProx μ (0 for plain training)
     * @return the denoising loss of the batch before the step
     */
    public StepResult trainStep(float[] x0, float[] noise, int[] timesteps, PromptTokens tokens, double learningRate,
            double proxMu) {
        int b = timesteps.length;
        int s = config.imageSize();
        float[] tf = new float[b];
        float[] sig = new float[b];
        float[] nsc = new float[b];
        for (int i = 0; i < b; i++) {
            tf[i] = timesteps[i];
            sig[i] = (float) schedule.signal(timesteps[i]);
            nsc[i] = (float) schedule.noise(timesteps[i]);
        }
        adamStep++;
        stepsSinceSet++;
        // Warm-started average: early in a run (or a federated round) the EMA follows the weights closely.
        double decay = Math.min(config.emaDecay(), (1.0 + stepsSinceSet) / (10.0 + stepsSinceSet));
        try (TFloat32 tX = TFloat32.tensorOf(Shape.of(b, s, s, 1), DataBuffers.of(x0, true, false));
                TFloat32 tN = TFloat32.tensorOf(Shape.of(b, s, s, 1), DataBuffers.of(noise, true, false));
                TFloat32 tT = TFloat32.tensorOf(Shape.of(b), DataBuffers.of(tf, true, false));
                TFloat32 tS = TFloat32.tensorOf(Shape.of(b), DataBuffers.of(sig, true, false));
                TFloat32 tNs = TFloat32.tensorOf(Shape.of(b), DataBuffers.of(nsc, true, false));
                TInt32 tTok = tokensTensor(tokens);
                TFloat32 tLr = TFloat32.scalarOf((float) (warmupSteps > 0
                        ? learningRate * Math.min(1.0, (double) adamStep / warmupSteps) : learningRate));
                TFloat32 tB1 = TFloat32.scalarOf((float) Math.pow(ADAM_B1, adamStep));
                TFloat32 tB2 = TFloat32.scalarOf((float) Math.pow(ADAM_B2, adamStep));
                TFloat32 tMu = TFloat32.scalarOf((float) proxMu);
                TFloat32 tE = TFloat32.scalarOf((float) (1 - decay));
                Result res = session.runner()
                        .feed(trX0, tX).feed(trNoise, tN).feed(trT, tT).feed(trSignal, tS).feed(trNoiseScale, tNs)
                        .feed(trTokens, tTok).feed(lr, tLr).feed(b1Power, tB1).feed(b2Power, tB2).feed(mu, tMu)
                        .feed(emaRate, tE)
                        .fetch(trLoss).fetch(proxTerm).addTarget(trainOp).run()) {
            double loss = ((TFloat32) res.get(0)).getFloat();
            double prox = ((TFloat32) res.get(1)).getFloat();
            return new StepResult(loss, prox);
        }
    }

    /**
     * Ramps the learning rate linearly over the first {@code steps} steps of a fresh optimiser (0: no
     * ramp). A fresh Adam's first steps move every weight by about the learning rate whatever its
     * gradient; on a trained model that is noise, so federated fine-tuning starts gently.
     */
    public void setLearningRateWarmup(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + steps);
        }
        this.warmupSteps = steps;
    }

    /** Loss of one step and the FedProx term μ/2·‖w − w_ref‖² before it. */
    public record StepResult(double loss, double prox) {
    }

    static TInt32 tokensTensor(PromptTokens p) {
        return TInt32.tensorOf(Shape.of(p.batch(), p.chunks(), p.chunkLength()), DataBuffers.of(p.ids(), true, false));
    }

    /** Encoded prompts, kept so DDIM steps after the first skip the text encoder. */
    public static final class EncodedPrompts implements AutoCloseable {
        final TFloat32 context;
        final TFloat32 mask;
        final int batch;

        EncodedPrompts(TFloat32 context, TFloat32 mask, int batch) {
            this.context = context;
            this.mask = mask;
            this.batch = batch;
        }

        public int batch() {
            return batch;
        }

        /** The token features, [batch · tokens · dim] row-major. */
        public float[] features() {
            float[] f = new float[Math.toIntExact(context.shape().size())];
            context.copyTo(DataBuffers.of(f, false, false));
            return f;
        }

        @Override
        public void close() {
            context.close();
            mask.close();
        }
    }

    /** Runs the text encoder (EMA weights) on prompts. */
    public EncodedPrompts encode(PromptTokens tokens) {
        try (TInt32 tTok = tokensTensor(tokens);
                Result res = session.runner().feed(smTokens, tTok).fetch(smContext).fetch(smMask).run()) {
            // Copy out: the Result owns its tensors.
            TFloat32 c = (TFloat32) res.get(0);
            TFloat32 m = (TFloat32) res.get(1);
            return new EncodedPrompts(copy(c), copy(m), tokens.batch());
        }
    }

    private static TFloat32 copy(TFloat32 t) {
        float[] v = new float[Math.toIntExact(t.shape().size())];
        t.copyTo(DataBuffers.of(v, false, false));
        return TFloat32.tensorOf(t.shape(), DataBuffers.of(v, true, false));
    }

    /**
     * The model output (v or ε, per the config) for noisy images at timesteps, with the EMA weights.
     *
     * @param x [B·S·S] noisy images
     * @param t timestep per image
     */
    public float[] predict(float[] x, int[] t, EncodedPrompts prompts) {
        int b = t.length;
        if (prompts.batch != b) {
            throw new IllegalArgumentException(b + " images but " + prompts.batch + " prompts");
        }
        int s = config.imageSize();
        float[] tf = new float[b];
        for (int i = 0; i < b; i++) {
            tf[i] = t[i];
        }
        try (TFloat32 tX = TFloat32.tensorOf(Shape.of(b, s, s, 1), DataBuffers.of(x, true, false));
                TFloat32 tT = TFloat32.tensorOf(Shape.of(b), DataBuffers.of(tf, true, false));
                Result res = session.runner().feed(smX, tX).feed(smT, tT).feed(smContext, prompts.context)
                        .feed(smMask, prompts.mask).fetch(smOut).run()) {
            float[] out = new float[b * s * s];
            ((TFloat32) res.get(0)).copyTo(DataBuffers.of(out, false, false));
            return out;
        }
    }

    /** Weights as float16 (a shipped checkpoint) — half the bytes, ample precision for sampling. */
    public static Weights toFloat16(Weights w) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : w) {
            out.add(Tensor.fromDoubles(t.name(), DType.FLOAT16, t.shape(), t.toDoubleArray()));
        }
        return new Weights(out);
    }

    /** Weights of any floating-point dtype widened to float32 (what a loaded model holds). */
    public static Weights toFloat32(Weights w) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : w) {
            out.add(t.dtype() == DType.FLOAT32 ? t : Tensor.ofFloats(t.name(), t.shape(), t.toFloatArray()));
        }
        return new Weights(out);
    }

    /** Summary for logs: config, parameter count, forward GFLOPs per image. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", config.name());
        m.put("parameters", parameterCount());
        m.put("forward_gflops_per_image", flopsPerImage / 1e9);
        return m;
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
