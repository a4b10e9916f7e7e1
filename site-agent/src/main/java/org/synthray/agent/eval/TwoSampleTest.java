package org.synthray.agent.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A classifier two-sample test (Lopez-Paz &amp; Oquab 2017): can a simple classifier tell set A from set
 * B? L2-regularised logistic regression on image statistics (8×8-block means and standard
 * deviations, a grey-level histogram, Laplacian and gradient energy), scored by cross-validation with
 * whole patients per fold, so that a real image and the image generated from its report are always
 * on the same side of a split. The result is the out-of-fold ROC AUC: 0.5 when the sets cannot be
 * told apart, 1 when always. Compare with the same test on two real sets (the floor, 0.45–0.55
 * from sampling noise alone).
 */
public final class TwoSampleTest {
    private static final int GRID = 8;
    private static final int BINS = 16;
    private static final int ITERATIONS = 300;
    private static final double LEARNING_RATE = 0.5;
    private static final double L2 = 1e-2;

    private TwoSampleTest() {
    }

    /**
     * @param a       images of set A in [-1, 1], {@code groupsA.length} of {@code s×s}
     * @param groupsA the patient (or any grouping key) of each image of A; one group never spans two folds
     * @param folds   cross-validation folds (at least 2, at most the number of groups)
     * @return the out-of-fold AUC of "is from B"
     */
    public static double auc(float[] a, String[] groupsA, float[] b, String[] groupsB, int s, int folds) {
        int na = groupsA.length;
        int nb = groupsB.length;
        if (na < 2 || nb < 2 || folds < 2) {
            throw new IllegalArgumentException("a two-sample test needs at least 2 images per set and 2 folds");
        }
        double[][] x = new double[na + nb][];
        int[] y = new int[na + nb];
        String[] g = new String[na + nb];
        for (int i = 0; i < na; i++) {
            x[i] = features(a, i, s);
            g[i] = groupsA[i];
        }
        for (int i = 0; i < nb; i++) {
            x[na + i] = features(b, i, s);
            y[na + i] = 1;
            g[na + i] = groupsB[i];
        }
        int[] fold = folds(g, folds);
        double[] score = new double[x.length];
        for (int f = 0; f < folds; f++) {
            List<Integer> tr = new ArrayList<>();
            List<Integer> te = new ArrayList<>();
            for (int i = 0; i < x.length; i++) {
                (fold[i] == f ? te : tr).add(i);
            }
            if (te.isEmpty() || tr.isEmpty()) {
                continue;
            }
            double[] w = fit(x, y, tr);
            for (int i : te) {
                score[i] = dot(w, x[i]);
            }
        }
        return rocAuc(score, y);
    }

    /** Folds by group: groups sorted by a stable hash, then dealt round-robin, so folds are balanced and reproducible. */
    static int[] folds(String[] groups, int k) {
        String[] distinct = Arrays.stream(groups).distinct().sorted((p, q) -> {
            int c = Integer.compare(mix(p), mix(q));
            return c != 0 ? c : p.compareTo(q);
        }).toArray(String[]::new);
        java.util.Map<String, Integer> of = new java.util.HashMap<>();
        for (int i = 0; i < distinct.length; i++) {
            of.put(distinct[i], i % k);
        }
        int[] f = new int[groups.length];
        for (int i = 0; i < groups.length; i++) {
            f[i] = of.get(groups[i]);
        }
        return f;
    }

    private static int mix(String s) {
        int h = s.hashCode() * 0x9E3779B1;
        return h ^ (h >>> 15);
    }

    /** Features of image i: block means and standard deviations, histogram, Laplacian and gradient energy; a bias last. */
    static double[] features(float[] imgs, int i, int s) {
        int px = s * s;
        int o = i * px;
        int cell = Math.max(1, s / GRID);
        int cells = s / cell;
        double[] f = new double[2 * cells * cells + BINS + 3];
        int k = 0;
        for (int by = 0; by < cells; by++) {
            for (int bx = 0; bx < cells; bx++) {
                double sum = 0;
                double sq = 0;
                for (int y = by * cell; y < (by + 1) * cell; y++) {
                    for (int x = bx * cell; x < (bx + 1) * cell; x++) {
                        double v = imgs[o + y * s + x];
                        sum += v;
                        sq += v * v;
                    }
                }
                int c = cell * cell;
                f[k++] = sum / c;
                f[k++] = Math.sqrt(Math.max(0, sq / c - (sum / c) * (sum / c)));
            }
        }
        for (int p = 0; p < px; p++) {
            double v = Math.max(-1, Math.min(1, imgs[o + p]));
            f[k + Math.min(BINS - 1, (int) ((v + 1) / 2 * BINS))] += 1.0 / px;
        }
        k += BINS;
        double lap = 0;
        double grad = 0;
        for (int y = 1; y < s - 1; y++) {
            for (int x = 1; x < s - 1; x++) {
                int p = o + y * s + x;
                double l = imgs[p - 1] + imgs[p + 1] + imgs[p - s] + imgs[p + s] - 4 * imgs[p];
                double gx = imgs[p + 1] - imgs[p - 1];
                double gy = imgs[p + s] - imgs[p - s];
                lap += l * l;
                grad += gx * gx + gy * gy;
            }
        }
        int inner = Math.max(1, (s - 2) * (s - 2));
        f[k++] = Math.log(1e-6 + lap / inner);
        f[k++] = Math.log(1e-6 + grad / inner);
        f[k] = 1; // bias
        return f;
    }

    /** Logistic regression on the rows {@code rows}, features standardised on those rows; returns weights in raw feature space. */
    private static double[] fit(double[][] x, int[] y, List<Integer> rows) {
        int d = x[0].length;
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (int i : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i][j] / rows.size();
            }
        }
        for (int i : rows) {
            for (int j = 0; j < d; j++) {
                sd[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]) / rows.size();
            }
        }
        for (int j = 0; j < d; j++) {
            sd[j] = Math.sqrt(sd[j]);
        }
        double[] w = new double[d];
        double b = 0;
        double[] grad = new double[d];
        for (int it = 0; it < ITERATIONS; it++) {
            Arrays.fill(grad, 0);
            double gb = 0;
            for (int i : rows) {
                double z = b;
                for (int j = 0; j < d; j++) {
                    if (sd[j] > 1e-12) {
                        z += w[j] * (x[i][j] - mean[j]) / sd[j];
                    }
                }
                double e = 1 / (1 + Math.exp(-z)) - y[i];
                for (int j = 0; j < d; j++) {
                    if (sd[j] > 1e-12) {
                        grad[j] += e * (x[i][j] - mean[j]) / sd[j];
                    }
                }
                gb += e;
            }
            for (int j = 0; j < d; j++) {
                w[j] -= LEARNING_RATE * (grad[j] / rows.size() + L2 * w[j]);
            }
            b -= LEARNING_RATE * gb / rows.size();
        }
        // Fold the standardisation into the weights; the last feature is the constant 1.
        double[] raw = new double[d];
        double bias = b;
        for (int j = 0; j < d; j++) {
            if (sd[j] > 1e-12) {
                raw[j] = w[j] / sd[j];
                bias -= w[j] * mean[j] / sd[j];
            }
        }
        raw[d - 1] += bias;
        return raw;
    }

    private static double dot(double[] w, double[] x) {
        double z = 0;
        for (int j = 0; j < w.length; j++) {
            z += w[j] * x[j];
        }
        return z;
    }

    /** ROC AUC by the Mann–Whitney statistic, ties counted half. */
    static double rocAuc(double[] score, int[] y) {
        Integer[] idx = new Integer[score.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Double.compare(score[p], score[q]));
        double rankSum = 0;
        long pos = 0;
        int i = 0;
        while (i < idx.length) {
            int j = i;
            while (j + 1 < idx.length && score[idx[j + 1]] == score[idx[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (y[idx[k]] == 1) {
                    rankSum += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = score.length - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
