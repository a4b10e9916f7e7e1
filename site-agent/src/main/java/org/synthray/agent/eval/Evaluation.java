package org.synthray.agent.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.data.Images;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.diffusion.TextToImagePipeline;

/**
 * Measures a model against a validation split: Fréchet distance in the features of a classifier
 * trained on the real training split (real train vs real val is the floor), the classifier's
 * accuracy on the finding named in the prompt for generated vs real images, and nearest-neighbour
 * distances from generated images to the training set (real val → train as the reference scale), a
 * classifier two-sample test (generated vs real val, with real train vs real val as the floor), and
 * sharpness, local contrast and near-uniform failures of generated vs real images.
 * Generated images use the validation captions as prompts, one image per caption.
 */
public final class Evaluation {
    /** The grid prompts: one row each. */
    public static final List<String> GRID_PROMPTS = List.of(
            "PA chest x-ray of a 60-year-old male: no finding",
            "PA chest x-ray of a 60-year-old male: cardiomegaly",
            "PA chest x-ray of a 60-year-old male: effusion",
            "PA chest x-ray of a 60-year-old female: atelectasis");

    /** Settings. {@code limit}: at most this many validation captions (0 = all). */
    public record Options(SamplingSettings sampling, long seed, int limit, int classifierSteps, int batch,
            int gridColumns) {
    }

    private Evaluation() {
    }

    /** Folds of the two-sample test's patient-grouped cross-validation. */
    static final int TWO_SAMPLE_FOLDS = 5;

    /**
     * @param trainPatients the patient of each training image (two-sample floor: whole patients per fold)
     * @param valPatients   the patient of each validation image; image i generated from caption i shares its fold
     */
    public static Map<String, Object> run(TextToImagePipeline pipe, ImageTextDataset train, List<String> trainPatients,
            ImageTextDataset val, List<String> valPatients, Options opt, Consumer<String> log) {
        int s = pipe.model().config().imageSize();
        int px = s * s;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_config", pipe.model().config().name());
        out.put("model_id", pipe.model().emaWeights().modelId());
        out.put("train_images", train.size());
        out.put("val_images", val.size());

        // 1. Generate one image per validation caption.
        int n = opt.limit() > 0 ? Math.min(opt.limit(), val.size()) : val.size();
        List<String> prompts = new ArrayList<>();
        long[] seeds = new long[n];
        float[] realVal = new float[n * px];
        int[] valClass = new int[n];
        for (int i = 0; i < n; i++) {
            prompts.add(val.text(i));
            seeds[i] = opt.seed() + i;
            val.copyImage(i, realVal, i * px);
            valClass[i] = FindingClasses.of(val.labels(i));
        }
        long t0 = System.nanoTime();
        float[] gen = pipe.generate(prompts, seeds, opt.sampling(), opt.batch(),
                done -> log.accept("generated " + done + "/" + n));
        double genSecs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> sampling = new LinkedHashMap<>();
        sampling.put("images", n);
        sampling.put("scheduler", opt.sampling().scheduler().id());
        sampling.put("steps", opt.sampling().steps());
        sampling.put("guidance", opt.sampling().guidance());
        sampling.put("seconds_per_image", genSecs / n);
        out.put("sampling", sampling);
        out.put("image_statistics", Map.of("generated", ImageStats.summary(gen, n, s),
                "real_val", ImageStats.summary(realVal, n, s)));
        out.put("two_sample", twoSample(gen, realVal, n, valPatients, train, trainPatients, s));

        // 2. The classifier, trained on real training images only.
        int[] trainClass = new int[train.size()];
        for (int i = 0; i < train.size(); i++) {
            trainClass[i] = FindingClasses.of(train.labels(i));
        }
        try (XrayClassifier clf = new XrayClassifier(s, FindingClasses.NAMES.size(), opt.seed())) {
            log.accept("training the evaluation classifier (" + opt.classifierSteps() + " steps)");
            double clfLoss = clf.train(train.pixels(), trainClass, opt.classifierSteps(), 32, opt.seed());
            double[][] fTrain = clf.features(train.pixels(), train.size());
            double[][] fVal = clf.features(realVal, n);
            double[][] fGen = clf.features(gen, n);
            Map<String, Object> fd = new LinkedHashMap<>();
            fd.put("generated_vs_real_val", FrechetDistance.between(fGen, fVal));
            fd.put("real_train_vs_real_val_floor", FrechetDistance.between(fTrain, fVal));
            fd.put("generated_vs_real_train", FrechetDistance.between(fGen, fTrain));
            fd.put("feature_dim", fVal[0].length);
            out.put("frechet_distance", fd);

            int[] predReal = clf.predict(realVal, n);
            int[] predGen = clf.predict(gen, n);
            Map<String, Object> acc = new LinkedHashMap<>();
            acc.put("classes", FindingClasses.NAMES);
            acc.put("classifier_train_loss", clfLoss);
            int k = FindingClasses.NAMES.size();
            int[] total = new int[k];
            int[] okReal = new int[k];
            int[] okGen = new int[k];
            for (int i = 0; i < n; i++) {
                int c = valClass[i];
                if (c < 0) {
                    continue;
                }
                total[c]++;
                okReal[c] += predReal[i] == c ? 1 : 0;
                okGen[c] += predGen[i] == c ? 1 : 0;
            }
            int all = 0;
            int allReal = 0;
            int allGen = 0;
            double balReal = 0;
            double balGen = 0;
            int present = 0;
            Map<String, Object> per = new LinkedHashMap<>();
            for (int c = 0; c < k; c++) {
                all += total[c];
                allReal += okReal[c];
                allGen += okGen[c];
                if (total[c] > 0) {
                    present++;
                    balReal += (double) okReal[c] / total[c];
                    balGen += (double) okGen[c] / total[c];
                }
                per.put(FindingClasses.NAMES.get(c), Map.of("images", total[c],
                        "accuracy_real", total[c] == 0 ? Double.NaN : (double) okReal[c] / total[c],
                        "accuracy_generated", total[c] == 0 ? Double.NaN : (double) okGen[c] / total[c]));
            }
            acc.put("images_with_a_class", all);
            acc.put("accuracy_real", all == 0 ? Double.NaN : (double) allReal / all);
            acc.put("accuracy_generated", all == 0 ? Double.NaN : (double) allGen / all);
            acc.put("balanced_accuracy_real", present == 0 ? Double.NaN : balReal / present);
            acc.put("balanced_accuracy_generated", present == 0 ? Double.NaN : balGen / present);
            acc.put("chance_balanced", 1.0 / k);
            acc.put("per_class", per);
            out.put("finding_accuracy", acc);

            // 3. Nearest neighbours in the training set.
            Map<String, Object> nn = new LinkedHashMap<>();
            double[] genPix = NearestNeighbours.nearest(gen, n, train.pixels(), train.size(), px, true)[0];
            double[] valPix = NearestNeighbours.nearest(realVal, n, train.pixels(), train.size(), px, true)[0];
            nn.put("pixel_rms_generated_to_train", named(NearestNeighbours.summary(genPix)));
            nn.put("pixel_rms_real_val_to_train", named(NearestNeighbours.summary(valPix)));
            double minVal = NearestNeighbours.summary(valPix)[0];
            int closer = 0;
            for (double d : genPix) {
                closer += d < minVal ? 1 : 0;
            }
            nn.put("generated_closer_than_closest_real_val", closer);
            double[] genFeat = NearestNeighbours.nearest(flat(fGen), n, flat(fTrain), train.size(), fGen[0].length, false)[0];
            double[] valFeat = NearestNeighbours.nearest(flat(fVal), n, flat(fTrain), train.size(), fVal[0].length, false)[0];
            nn.put("feature_generated_to_train", named(NearestNeighbours.summary(genFeat)));
            nn.put("feature_real_val_to_train", named(NearestNeighbours.summary(valFeat)));
            out.put("nearest_neighbours", nn);
        }
        out.put("generated", gen);
        return out;
    }

    /**
     * AUC of telling generated from real val images, and the floor: real train images (as many, the first
     * of each patient first) against the same real val images.
     */
    static Map<String, Object> twoSample(float[] gen, float[] realVal, int n, List<String> valPatients,
            ImageTextDataset train, List<String> trainPatients, int s) {
        String[] vg = valPatients.subList(0, n).stream().map(p -> "val:" + p).toArray(String[]::new);
        int m = Math.min(n, train.size());
        int px = s * s;
        float[] tr = new float[m * px];
        String[] tg = new String[m];
        for (int i = 0; i < m; i++) {
            train.copyImage(i, tr, i * px);
            tg[i] = "train:" + trainPatients.get(i);
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("generated_vs_real_val_auc", TwoSampleTest.auc(realVal, vg, gen, vg, s, TWO_SAMPLE_FOLDS));
        t.put("real_train_vs_real_val_auc_floor", TwoSampleTest.auc(realVal, vg, tr, tg, s, TWO_SAMPLE_FOLDS));
        t.put("folds", TWO_SAMPLE_FOLDS);
        t.put("grouped_by", "patient");
        return t;
    }

    private static Map<String, Double> named(double[] s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("min", s[0]);
        m.put("p5", s[1]);
        m.put("median", s[2]);
        m.put("mean", s[3]);
        return m;
    }

    private static float[] flat(double[][] f) {
        float[] out = new float[f.length * f[0].length];
        for (int i = 0; i < f.length; i++) {
            for (int k = 0; k < f[0].length; k++) {
                out[i * f[0].length + k] = (float) f[i][k];
            }
        }
        return out;
    }

    /**
     * Writes {@code evaluation.json}, {@code report.md} and {@code grid.png} (the grid prompts, one row
     * each) into {@code dir}.
     */
    @SuppressWarnings("unchecked")
    public static void write(Path dir, Map<String, Object> result, TextToImagePipeline pipe, Options opt)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> json = new LinkedHashMap<>(result);
        json.remove("generated");
        Files.writeString(dir.resolve("evaluation.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json));
        int s = pipe.model().config().imageSize();
        int cols = opt.gridColumns();
        List<String> each = new ArrayList<>();
        for (String p : GRID_PROMPTS) {
            for (int c = 0; c < cols; c++) {
                each.add(p);
            }
        }
        long[] seeds = new long[each.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = opt.seed() + (i % cols); // same seed per column: rows differ only by prompt
        }
        float[] g = pipe.generate(each, seeds, opt.sampling(), opt.batch(), null);
        Images.writePng(Images.grid(g, each.size(), s, cols, 2, GRID_PROMPTS), dir.resolve("grid.png"));
        Files.writeString(dir.resolve("report.md"), report(json));
    }

    @SuppressWarnings("unchecked")
    static String report(Map<String, Object> r) {
        Map<String, Object> fd = (Map<String, Object>) r.get("frechet_distance");
        Map<String, Object> acc = (Map<String, Object>) r.get("finding_accuracy");
        Map<String, Object> nn = (Map<String, Object>) r.get("nearest_neighbours");
        Map<String, Object> smp = (Map<String, Object>) r.get("sampling");
        Map<String, Object> two = (Map<String, Object>) r.get("two_sample");
        Map<String, Object> st = (Map<String, Object>) r.get("image_statistics");
        Map<String, Object> sg = (Map<String, Object>) st.get("generated");
        Map<String, Object> sr = (Map<String, Object>) st.get("real_val");
        StringBuilder sb = new StringBuilder();
        sb.append("# Evaluation of model ").append(r.get("model_config")).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Model `%s` (model identity); %s generated images (one per validation caption), "
                + "%s, %s steps, guidance %s.%n%n", r.get("model_id"), smp.get("images"), smp.get("scheduler"), smp.get("steps"),
                smp.get("guidance")));
        sb.append("| metric | value |\n| --- | --- |\n");
        sb.append(row("two-sample classifier AUC, generated vs real val (0.5 = indistinguishable)",
                two.get("generated_vs_real_val_auc")));
        sb.append(row("two-sample classifier AUC floor, real train vs real val", two.get("real_train_vs_real_val_auc_floor")));
        sb.append(row("Laplacian variance (sharpness), generated / real val, medians",
                fmt(sg.get("laplacian_variance_median")) + " / " + fmt(sr.get("laplacian_variance_median"))));
        sb.append(row("local contrast (8×8 block std), generated / real val, medians",
                fmt(sg.get("local_contrast_median")) + " / " + fmt(sr.get("local_contrast_median"))));
        sb.append(row("near-uniform failures, generated / real val", sg.get("near_uniform") + " / " + sr.get("near_uniform")));
        sb.append(row("Fréchet distance, generated vs real val", fd.get("generated_vs_real_val")));
        sb.append(row("Fréchet distance floor, real train vs real val", fd.get("real_train_vs_real_val_floor")));
        sb.append(row("Fréchet distance, generated vs real train", fd.get("generated_vs_real_train")));
        sb.append(row("finding accuracy on real val images", acc.get("accuracy_real")));
        sb.append(row("finding accuracy on generated images (finding from the prompt)", acc.get("accuracy_generated")));
        sb.append(row("balanced accuracy real / generated (chance " + fmt(acc.get("chance_balanced")) + ")",
                fmt(acc.get("balanced_accuracy_real")) + " / " + fmt(acc.get("balanced_accuracy_generated"))));
        Map<String, Object> g = (Map<String, Object>) nn.get("pixel_rms_generated_to_train");
        Map<String, Object> v = (Map<String, Object>) nn.get("pixel_rms_real_val_to_train");
        sb.append(row("nearest training image, pixel RMS (0–1 scale): generated min / median",
                fmt(g.get("min")) + " / " + fmt(g.get("median"))));
        sb.append(row("nearest training image, pixel RMS: real val min / median", fmt(v.get("min")) + " / " + fmt(v.get("median"))));
        sb.append(row("generated images closer to a training image than any real val image",
                nn.get("generated_closer_than_closest_real_val")));
        sb.append(row("seconds per generated image", smp.get("seconds_per_image")));
        sb.append("\n![samples](grid.png)\n");
        return sb.toString();
    }

    private static String row(String k, Object v) {
        return "| " + k + " | " + fmt(v) + " |\n";
    }

    static String fmt(Object v) {
        if (v instanceof Double d) {
            // Sharpness values are small: keep three significant digits there.
            return String.format(Locale.ROOT, d != 0 && Math.abs(d) < 0.01 ? "%.2e" : "%.3f", d);
        }
        return String.valueOf(v);
    }
}
