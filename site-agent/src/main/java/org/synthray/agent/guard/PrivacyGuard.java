package org.synthray.agent.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.eval.FindingClasses;
import org.synthray.agent.eval.XrayClassifier;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Keeps synthetic images that are too close to one of the site's training images from leaving the
 * site. Every image is compared with every training image twice:
 * <ul>
 *   <li><b>pixels</b>: normalised cross-correlation of 24×24 thumbnails of the central 48×48 pixels
 *   (at 64 px), centred on the training set's mean thumbnail; the query is tried at 275 placements
 *   (11 region sizes × shifts of up to 2 px), so shifted, cropped and zoomed copies line up with their
 *   original; the best placement counts;</li>
 *   <li><b>embedding</b>: cosine similarity of the evaluation classifier's pooled features (trained on
 *   the training split at calibration), centred on the training mean.</li>
 * </ul>
 * Each score is the similarity to the nearest training image. The thresholds come from the site's
 * own data ({@link #calibrate}): the nearest-training-image similarity of each real validation image
 * (other patients), and of each training image to the training images of other patients, is
 * measured; the threshold is the largest of them plus 40 % of the way to 1.
 * An image is rejected when either score is above its threshold: it is closer to a training image than
 * any real image of another patient came.
 */
public final class PrivacyGuard implements AutoCloseable {
    public static final String FORMAT = "synthray-guard/1";
    public static final String GUARD_JSON = "guard.json";
    public static final String VECTORS = "guard-vectors.npz";
    public static final String TRAIN_IDS = "train-ids.txt";
    /** Fraction of the way from the largest validation similarity to 1 where the threshold sits. */
    public static final double MARGIN = 0.4;
    public static final String METHOD = "nearest training image: NCC of aligned 24x24 thumbnails (275 placements) "
            + "and cosine of classifier features; threshold = max over real images of other patients + margin x (1 - max), margin 0.4 by default";

    /** Calibration settings. */
    /**
     * Calibration settings. {@code margin}: where between the largest other-patient similarity (0) and
     * 1 (1) the threshold sits; lower is stricter (more images rejected, fewer near-copies missed).
     */
    public record Options(int classifierSteps, long seed, double margin) {
        public Options {
            if (!(margin >= 0 && margin < 1)) {
                throw new IllegalArgumentException("the guard's margin must be in [0, 1), not " + margin);
            }
        }

        public Options(int classifierSteps, long seed) {
            this(classifierSteps, seed, MARGIN);
        }

        public static Options defaults() {
            return new Options(300, 0, MARGIN);
        }
    }

    /** The guard's decision for one image. */
    public record Verdict(boolean accepted, double pixelScore, int pixelNearest, double embeddingScore,
            int embeddingNearest) {
    }

    private final ObjectNode info;
    private final List<String> trainIds;
    private final float[] pixelCenter;
    private final float[] embCenter;
    private final SimilarityIndex pixelIndex;
    private final SimilarityIndex embIndex;
    private final XrayClassifier classifier;
    private final List<float[]> classifierWeights;
    private final float[] pixelIndexVectors;
    private final float[] embIndexVectors;
    private double pixelThreshold;
    private double embThreshold;

    private PrivacyGuard(ObjectNode info, List<String> trainIds, float[] pixelRefs, float[] pixelCenter, float[] embRefs,
            float[] embCenter, XrayClassifier classifier, List<float[]> classifierWeights) {
        this.info = info;
        this.trainIds = List.copyOf(trainIds);
        this.pixelCenter = pixelCenter;
        this.embCenter = embCenter;
        this.classifier = classifier;
        this.classifierWeights = classifierWeights;
        int n = trainIds.size();
        this.pixelIndexVectors = pixelRefs;
        this.embIndexVectors = embRefs;
        this.pixelIndex = new SimilarityIndex(pixelRefs, n, Vectors.THUMB * Vectors.THUMB);
        this.embIndex = new SimilarityIndex(embRefs, n, XrayClassifier.featureDim());
        this.pixelThreshold = info.path("pixel").path("threshold").asDouble(Double.NaN);
        this.embThreshold = info.path("embedding").path("threshold").asDouble(Double.NaN);
    }

    /**
     * Calibrates on a site's real images: the training images are what generated images must not
     * copy; the validation images (other patients) set how close "close" is.
     */
    public static PrivacyGuard calibrate(ImageTextDataset train, ImageTextDataset val, Options opt, Consumer<String> log) {
        return calibrate(train, null, val, opt, log);
    }

    /** Training images compared with training images of other patients at calibration, at most. */
    static final int MAX_TRAIN_PAIRS = 2000;
    private static final int TOP_K = 16;

    /**
     * As {@link #calibrate(ImageTextDataset, ImageTextDataset, Options, Consumer)}; with the patient of
     * each training image, the nearest training image <i>of another patient</i> of each training image
     * (up to {@value #MAX_TRAIN_PAIRS} of them) adds to the validation images' scores, so the largest
     * "different patients" similarity is taken from many more pairs.
     *
     * @param trainPatients patient id per training image, or null when the data has none
     */
    public static PrivacyGuard calibrate(ImageTextDataset train, List<String> trainPatients, ImageTextDataset val,
            Options opt, Consumer<String> log) {
        if (train.size() < 2 || val.size() < 2) {
            throw new IllegalArgumentException("the guard needs at least 2 training and 2 validation images of other "
                    + "patients (found " + train.size() + " and " + val.size() + ")");
        }
        if (train.imageSize() != val.imageSize()) {
            throw new IllegalArgumentException("training and validation images differ in size");
        }
        int size = train.imageSize();
        int d = Vectors.THUMB * Vectors.THUMB;
        int n = train.size();
        float[] pixelRefs = Vectors.references(train.pixels(), n, size);
        float[] pixelCenter = Vectors.mean(pixelRefs, n, d);
        Vectors.center(pixelRefs, n, d, pixelCenter);

        int[] classes = new int[n];
        int labelled = 0;
        java.util.Set<Integer> distinct = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            classes[i] = FindingClasses.of(train.labels(i));
            if (classes[i] >= 0) {
                labelled++;
                distinct.add(classes[i]);
            }
        }
        // Without two finding classes to learn, the classifier's random initial features serve as the embedding.
        int steps = distinct.size() >= 2 ? opt.classifierSteps() : 0;
        XrayClassifier clf = new XrayClassifier(Vectors.GUARD_SIZE, FindingClasses.NAMES.size(), opt.seed());
        float[] trainAtGuard = atGuardSize(train.pixels(), n, size);
        if (steps > 0) {
            log.accept("training the embedding classifier on " + labelled + " labelled training images (" + steps + " steps)");
            clf.train(trainAtGuard, classes, steps, 32, opt.seed());
        }
        List<float[]> clfWeights = clf.weights();
        float[] embRefs = Vectors.flatten(clf.features(trainAtGuard, n));
        float[] embCenter = Vectors.mean(embRefs, n, XrayClassifier.featureDim());
        Vectors.center(embRefs, n, XrayClassifier.featureDim(), embCenter);

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(train.id(i));
        }
        ObjectNode info = JSON.createObjectNode();
        info.put("format", FORMAT);
        info.put("method", METHOD);
        info.put("createdAt", Instant.now().toString());
        info.put("trainImages", n);
        info.put("valImages", val.size());
        info.put("imageSize", size);
        ObjectNode px = info.putObject("pixel");
        px.put("thumbnail", Vectors.THUMB);
        px.put("region", Vectors.REGION);
        px.put("placements", Vectors.variantCount());
        px.put("maxShift", 2);
        ObjectNode em = info.putObject("embedding");
        em.put("classifierSteps", steps);
        em.put("labelledTrainImages", labelled);
        em.put("dim", XrayClassifier.featureDim());
        info.put("margin", opt.margin());
        PrivacyGuard g = new PrivacyGuard(info, ids, pixelRefs, pixelCenter, embRefs, embCenter, clf, clfWeights);
        // Distances of real images of other patients to the training set set the scale.
        Scores s = g.scores(val.pixels(), val.size(), size);
        float[] pixelSamples = s.pixel;
        float[] embSamples = s.embedding;
        if (trainPatients != null) {
            if (trainPatients.size() != n) {
                throw new IllegalArgumentException(trainPatients.size() + " patient ids for " + n + " training images");
            }
            Scores o = g.otherPatientScores(train.pixels(), n, size, trainPatients);
            info.put("trainPairs", o.pixel.length);
            px.put("trainOtherPatientMax", max(o.pixel));
            em.put("trainOtherPatientMax", max(o.embedding));
            pixelSamples = concat(pixelSamples, o.pixel);
            embSamples = concat(embSamples, o.embedding);
        } else {
            info.put("trainPairs", 0);
        }
        px.put("valMax", max(s.pixel));
        em.put("valMax", max(s.embedding));
        g.pixelThreshold = threshold(pixelSamples, px, opt.margin());
        g.embThreshold = threshold(embSamples, em, opt.margin());
        log.accept(String.format(java.util.Locale.ROOT, "nearest training image of another patient (%d val images, %d "
                + "training images): pixels max %.4f, embedding max %.4f; thresholds %.4f and %.4f", val.size(),
                info.get("trainPairs").asInt(), px.get("otherPatientMax").asDouble(), em.get("otherPatientMax").asDouble(),
                g.pixelThreshold, g.embThreshold));
        return g;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * For up to {@link #MAX_TRAIN_PAIRS} training images (evenly spaced), the similarity to the nearest
     * training image of another patient (among the {@link #TOP_K} nearest per placement).
     */
    Scores otherPatientScores(float[] images, int n, int size, List<String> patients) {
        int m = Math.min(n, MAX_TRAIN_PAIRS);
        int px = size * size;
        float[] sub = new float[m * px];
        int[] which = new int[m];
        for (int j = 0; j < m; j++) {
            which[j] = (int) ((long) j * n / m);
            System.arraycopy(images, which[j] * px, sub, j * px, px);
        }
        int d = Vectors.THUMB * Vectors.THUMB;
        int v = Vectors.variantCount();
        List<Float> pix = new ArrayList<>();
        List<Float> emb = new ArrayList<>();
        // In chunks, so the query variants of 2,000 images never sit in memory at once.
        int chunk = 64;
        for (int c0 = 0; c0 < m; c0 += chunk) {
            int cm = Math.min(chunk, m - c0);
            float[] part = Arrays.copyOfRange(sub, c0 * px, (c0 + cm) * px);
            float[] q = Vectors.queries(part, cm, size);
            Vectors.center(q, cm * v, d, pixelCenter);
            SimilarityIndex.Nearest top = pixelIndex.nearestK(q, cm * v, TOP_K);
            int k = top.similarity().length / (cm * v);
            float[] e = Vectors.flatten(classifier.features(atGuardSize(part, cm, size), cm));
            Vectors.center(e, cm, XrayClassifier.featureDim(), embCenter);
            SimilarityIndex.Nearest etop = embIndex.nearestK(e, cm, TOP_K);
            int ek = etop.similarity().length / cm;
            for (int i = 0; i < cm; i++) {
                String own = patients.get(which[c0 + i]);
                float best = Float.NEGATIVE_INFINITY;
                for (int r = 0; r < v * k; r++) {
                    int at = i * v * k + r;
                    if (!own.equals(patients.get(top.index()[at]))) {
                        best = Math.max(best, top.similarity()[at]);
                    }
                }
                float ebest = Float.NEGATIVE_INFINITY;
                for (int r = 0; r < ek; r++) {
                    if (!own.equals(patients.get(etop.index()[i * ek + r]))) {
                        ebest = etop.similarity()[i * ek + r];
                        break;
                    }
                }
                // A patient with more images than TOP_K close ones gives no sample rather than a wrong one.
                if (best > Float.NEGATIVE_INFINITY && ebest > Float.NEGATIVE_INFINITY) {
                    pix.add(best);
                    emb.add(ebest);
                }
            }
        }
        float[] p = new float[pix.size()];
        float[] e = new float[emb.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = pix.get(i);
            e[i] = emb.get(i);
        }
        return new Scores(p, null, e, null);
    }

    private static double threshold(float[] valScores, ObjectNode out, double margin) {
        float[] s = valScores.clone();
        Arrays.sort(s);
        double max = s[s.length - 1];
        double t = Math.min(0.9999, max + margin * (1 - max));
        out.put("otherPatientMax", max);
        out.put("otherPatientP99", s[(int) Math.floor(0.99 * (s.length - 1))]);
        out.put("otherPatientMedian", s[(s.length - 1) / 2]);
        out.put("samples", s.length);
        out.put("threshold", t);
        return t;
    }

    private static float[] atGuardSize(float[] images, int n, int size) {
        if (size == Vectors.GUARD_SIZE) {
            return images;
        }
        int g = Vectors.GUARD_SIZE * Vectors.GUARD_SIZE;
        float[] out = new float[n * g];
        for (int i = 0; i < n; i++) {
            System.arraycopy(Vectors.toGuardSize(images, i * size * size, size), 0, out, i * g, g);
        }
        return out;
    }

    /** Raw nearest-neighbour scores. */
    record Scores(float[] pixel, int[] pixelNearest, float[] embedding, int[] embeddingNearest) {
    }

    Scores scores(float[] images, int n, int size) {
        int d = Vectors.THUMB * Vectors.THUMB;
        int v = Vectors.variantCount();
        float[] q = Vectors.queries(images, n, size);
        Vectors.center(q, n * v, d, pixelCenter);
        SimilarityIndex.Nearest pn = pixelIndex.nearest(q, n * v);
        float[] ps = new float[n];
        int[] pi = new int[n];
        for (int i = 0; i < n; i++) {
            ps[i] = -2;
            for (int k = 0; k < v; k++) {
                if (pn.similarity()[i * v + k] > ps[i]) {
                    ps[i] = pn.similarity()[i * v + k];
                    pi[i] = pn.index()[i * v + k];
                }
            }
        }
        float[] e = Vectors.flatten(classifier.features(atGuardSize(images, n, size), n));
        Vectors.center(e, n, XrayClassifier.featureDim(), embCenter);
        SimilarityIndex.Nearest en = embIndex.nearest(e, n);
        return new Scores(ps, pi, en.similarity(), en.index());
    }

    /**
     * Checks {@code n} images ({@code size × size} each, values in [-1, 1]).
     */
    public List<Verdict> check(float[] images, int n, int size) {
        Scores s = scores(images, n, size);
        List<Verdict> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean ok = s.pixel[i] <= pixelThreshold && s.embedding[i] <= embThreshold;
            out.add(new Verdict(ok, s.pixel[i], s.pixelNearest[i], s.embedding[i], s.embeddingNearest[i]));
        }
        return out;
    }

    public double pixelThreshold() {
        return pixelThreshold;
    }

    public double embeddingThreshold() {
        return embThreshold;
    }

    /** The training image id (file name as listed) at an index from a {@link Verdict}. */
    public String trainId(int index) {
        return trainIds.get(index);
    }

    public int trainImages() {
        return trainIds.size();
    }

    /** The calibration record ({@code guard.json}): method, thresholds, how many images, val statistics. */
    public ObjectNode info() {
        return info.deepCopy();
    }

    /** A short summary for a set's {@code set.json}: no ids, no file names, only counts and numbers. */
    public ObjectNode summary() {
        ObjectNode s = JSON.createObjectNode();
        s.put("method", METHOD);
        s.put("pixelThreshold", pixelThreshold);
        s.put("embeddingThreshold", embThreshold);
        s.put("margin", info.path("margin").asDouble());
        s.put("trainImages", info.path("trainImages").asInt());
        s.put("valImages", info.path("valImages").asInt());
        s.put("calibratedAt", info.path("createdAt").asText());
        return s;
    }

    /**
     * Writes {@code guard.json}, the vectors and the classifier, and the training ids into {@code dir}
     * (the site's work folder: these describe patients' images and never leave the site).
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Tensor> t = new ArrayList<>();
        int n = trainIds.size();
        int d = Vectors.THUMB * Vectors.THUMB;
        int f = XrayClassifier.featureDim();
        t.add(Tensor.ofFloats("pixel_refs", new int[] {n, d}, pixelIndexVectors));
        t.add(Tensor.ofFloats("pixel_center", new int[] {d}, pixelCenter));
        t.add(Tensor.ofFloats("embedding_refs", new int[] {n, f}, embIndexVectors));
        t.add(Tensor.ofFloats("embedding_center", new int[] {f}, embCenter));
        List<int[]> shapes = classifier.weightShapes();
        for (int i = 0; i < classifierWeights.size(); i++) {
            t.add(Tensor.ofFloats(String.format("classifier_%02d", i), shapes.get(i), classifierWeights.get(i)));
        }
        writeAtomically(dir.resolve(VECTORS), out -> Npz.write(new Weights(t), out));
        writeAtomically(dir.resolve(TRAIN_IDS), out -> Files.writeString(out, String.join("\n", trainIds) + "\n",
                StandardCharsets.UTF_8));
        ObjectNode json = info.deepCopy();
        json.put("vectorsSha256", org.synthray.blob.Sha256.of(Files.readAllBytes(dir.resolve(VECTORS))));
        writeAtomically(dir.resolve(GUARD_JSON), out -> Files.writeString(out,
                JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json)));
    }

    /** Loads a calibration saved with {@link #save}; checks that its files belong together. */
    public static PrivacyGuard load(Path dir) throws IOException {
        Path json = dir.resolve(GUARD_JSON);
        if (!Files.isRegularFile(json)) {
            throw new IOException("no guard calibration in " + dir + " (" + GUARD_JSON + " missing): run "
                    + "'synthray-agent guard calibrate --data DIR --out " + dir + "' first");
        }
        JsonNode node = JSON.readTree(json.toFile());
        if (!FORMAT.equals(node.path("format").asText())) {
            throw new IOException(json + " is not a " + FORMAT + " calibration");
        }
        byte[] vec = Files.readAllBytes(dir.resolve(VECTORS));
        if (!org.synthray.blob.Sha256.of(vec).equals(node.path("vectorsSha256").asText())) {
            throw new IOException(dir.resolve(VECTORS) + " does not belong to " + json + " (SHA-256 differs): calibrate again");
        }
        Weights w = Npz.read(dir.resolve(VECTORS));
        List<String> ids = Files.readAllLines(dir.resolve(TRAIN_IDS), StandardCharsets.UTF_8);
        float[] pixelRefs = w.get("pixel_refs").toFloatArray();
        float[] embRefs = w.get("embedding_refs").toFloatArray();
        if (ids.size() != w.get("pixel_refs").shape()[0]) {
            throw new IOException(dir + ": " + ids.size() + " training ids but " + w.get("pixel_refs").shape()[0] + " vectors");
        }
        List<float[]> clfWeights = new ArrayList<>();
        for (String name : w.names()) {
            if (name.startsWith("classifier_")) {
                clfWeights.add(w.get(name).toFloatArray());
            }
        }
        XrayClassifier clf = new XrayClassifier(Vectors.GUARD_SIZE, FindingClasses.NAMES.size(), clfWeights);
        PrivacyGuard g = new PrivacyGuard((ObjectNode) node, ids, pixelRefs, w.get("pixel_center").toFloatArray(), embRefs,
                w.get("embedding_center").toFloatArray(), clf, clfWeights);
        if (Double.isNaN(g.pixelThreshold) || Double.isNaN(g.embThreshold)) {
            throw new IOException(json + " holds no thresholds");
        }
        return g;
    }

    interface Writer {
        void write(Path file) throws IOException;
    }

    static void writeAtomically(Path file, Writer w) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".part");
        try {
            w.write(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void close() {
        pixelIndex.close();
        embIndex.close();
        classifier.close();
    }

    static final ObjectMapper JSON = new ObjectMapper();
}
