package org.synthray.agent.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.synthray.agent.TestData;
import org.synthray.agent.data.ImageTextDataset;

/** The sharpness, failure and two-sample measures of {@code evaluate}, on real NIH validation films. */
class ImageMeasuresTest {
    static final int S = 64;
    static ImageTextDataset val;
    static List<String> patients;

    @BeforeAll
    static void load() throws Exception {
        val = ImageTextDataset.load(TestData.nih(), "val", S, null);
        patients = ImageTextDataset.patients(TestData.nih(), val);
    }

    static float[] blurred(float[] img, int n) {
        float[] out = new float[img.length];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    double sum = 0;
                    int c = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int yy = Math.min(S - 1, Math.max(0, y + dy));
                            int xx = Math.min(S - 1, Math.max(0, x + dx));
                            sum += img[i * S * S + yy * S + xx];
                            c++;
                        }
                    }
                    out[i * S * S + y * S + x] = (float) (sum / c);
                }
            }
        }
        return out;
    }

    @Test
    void blurLowersSharpnessNoiseRaisesItAndGreyFilmsCountAsFailures() {
        int n = 40;
        float[] real = java.util.Arrays.copyOf(val.pixels(), n * S * S);
        float[] soft = blurred(real, n);
        float[] grainy = real.clone();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < grainy.length; i++) {
            grainy[i] += (float) (0.2 * (r.nextDouble() - 0.5));
        }
        float[] grey = real.clone();
        for (int i = 0; i < 4 * S * S; i++) {
            grey[i] = (float) (0.1 + 0.02 * (r.nextDouble() - 0.5)); // four washed-out films
        }
        Map<String, Object> a = ImageStats.summary(real, n, S);
        Map<String, Object> b = ImageStats.summary(soft, n, S);
        Map<String, Object> c = ImageStats.summary(grainy, n, S);
        assertTrue((double) b.get("laplacian_variance_median") < 0.5 * (double) a.get("laplacian_variance_median"), a + " " + b);
        assertTrue((double) b.get("local_contrast_median") < (double) a.get("local_contrast_median"));
        assertTrue((double) c.get("laplacian_variance_median") > 1.5 * (double) a.get("laplacian_variance_median"), a + " " + c);
        assertEquals(0, a.get("near_uniform"), "real films are never near-uniform");
        assertEquals(4, ImageStats.summary(grey, n, S).get("near_uniform"));
        assertEquals(0.1, (double) ImageStats.summary(grey, n, S).get("near_uniform_rate"), 1e-9);
    }

    @Test
    void twoSampleAucIsNearAHalfForTwoHalvesOfRealPatientsAndHighForBlurredCopies() {
        // Two disjoint groups of real patients: the classifier has nothing real to find.
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < val.size(); i++) {
            (Math.floorMod(patients.get(i).hashCode(), 2) == 0 ? a : b).add(i);
        }
        double floor = TwoSampleTest.auc(pixels(a), groups(a), pixels(b), groups(b), S, 5);
        assertTrue(floor > 0.3 && floor < 0.7, "real vs real AUC " + floor);
        // Real images against softened copies of themselves, same patients in the same folds.
        float[] real = pixels(a);
        double soft = TwoSampleTest.auc(real, groups(a), blurred(real, a.size()), groups(a), S, 5);
        assertTrue(soft > 0.9, "real vs blurred AUC " + soft);
    }

    @Test
    void aucCountsTiesHalfAndPatientsNeverSpanTwoFolds() {
        assertEquals(1.0, TwoSampleTest.rocAuc(new double[] {0, 1, 2, 3}, new int[] {0, 0, 1, 1}), 1e-12);
        assertEquals(0.5, TwoSampleTest.rocAuc(new double[] {1, 1, 1, 1}, new int[] {0, 1, 0, 1}), 1e-12);
        String[] g = {"p1", "p2", "p1", "p3", "p2", "p4", "p5"};
        int[] f = TwoSampleTest.folds(g, 3);
        assertEquals(f[0], f[2]);
        assertEquals(f[1], f[4]);
    }

    private static float[] pixels(List<Integer> idx) {
        float[] out = new float[idx.size() * S * S];
        for (int i = 0; i < idx.size(); i++) {
            val.copyImage(idx.get(i), out, i * S * S);
        }
        return out;
    }

    private static String[] groups(List<Integer> idx) {
        return idx.stream().map(patients::get).toArray(String[]::new);
    }
}
