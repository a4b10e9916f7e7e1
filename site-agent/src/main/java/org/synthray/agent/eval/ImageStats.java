package org.synthray.agent.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sharpness, contrast and failures of a set of grey images, on the [0, 1] scale, so generated and
 * real images can be compared number for number:
 * <ul>
 * <li><b>Laplacian variance</b>: variance of the 4-neighbour Laplacian inside the image, the usual
 *     focus measure; soft images and grainy noise move it in opposite directions, so it is read
 *     against the real images' value, not as "higher is better";</li>
 * <li><b>local contrast</b>: mean standard deviation inside 8×8 blocks (rib and clavicle edges,
 *     vessel markings);</li>
 * <li><b>near-uniform failures</b>: images whose whole-image standard deviation is below
 *     {@link #UNIFORM_STD}: washed-out grey films (real chest films stay far above it).</li>
 * </ul>
 */
public final class ImageStats {
    /** Whole-image standard deviation (0–1 scale) below which an image counts as a near-uniform failure. */
    public static final double UNIFORM_STD = 0.05;
    private static final int BLOCK = 8;

    private ImageStats() {
    }

    /** Per-image measures of images in [-1, 1], {@code n} of {@code s×s}. */
    public record PerImage(double[] laplacianVariance, double[] localContrast, double[] std) {
    }

    public static PerImage measure(float[] images, int n, int s) {
        double[] lap = new double[n];
        double[] lc = new double[n];
        double[] sd = new double[n];
        int px = s * s;
        for (int i = 0; i < n; i++) {
            int o = i * px;
            double sum = 0;
            double sq = 0;
            for (int k = 0; k < px; k++) {
                double v = unit(images[o + k]);
                sum += v;
                sq += v * v;
            }
            sd[i] = Math.sqrt(Math.max(0, sq / px - (sum / px) * (sum / px)));
            double ls = 0;
            double lsq = 0;
            int m = 0;
            for (int y = 1; y < s - 1; y++) {
                for (int x = 1; x < s - 1; x++) {
                    int p = o + y * s + x;
                    double l = unit(images[p - 1]) + unit(images[p + 1]) + unit(images[p - s]) + unit(images[p + s])
                            - 4 * unit(images[p]);
                    ls += l;
                    lsq += l * l;
                    m++;
                }
            }
            lap[i] = m == 0 ? 0 : lsq / m - (ls / m) * (ls / m);
            double blocks = 0;
            int nb = 0;
            for (int by = 0; by + BLOCK <= s; by += BLOCK) {
                for (int bx = 0; bx + BLOCK <= s; bx += BLOCK) {
                    double bs = 0;
                    double bq = 0;
                    for (int y = by; y < by + BLOCK; y++) {
                        for (int x = bx; x < bx + BLOCK; x++) {
                            double v = unit(images[o + y * s + x]);
                            bs += v;
                            bq += v * v;
                        }
                    }
                    int c = BLOCK * BLOCK;
                    blocks += Math.sqrt(Math.max(0, bq / c - (bs / c) * (bs / c)));
                    nb++;
                }
            }
            lc[i] = nb == 0 ? 0 : blocks / nb;
        }
        return new PerImage(lap, lc, sd);
    }

    private static double unit(float v) {
        return (Math.max(-1, Math.min(1, v)) + 1) / 2;
    }

    /** Median Laplacian variance, median local contrast and the near-uniform failure rate, for a report. */
    public static Map<String, Object> summary(float[] images, int n, int s) {
        PerImage p = measure(images, n, s);
        int failures = 0;
        for (double d : p.std()) {
            failures += d < UNIFORM_STD ? 1 : 0;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", n);
        m.put("laplacian_variance_median", median(p.laplacianVariance()));
        m.put("local_contrast_median", median(p.localContrast()));
        m.put("std_median", median(p.std()));
        m.put("near_uniform", failures);
        m.put("near_uniform_rate", n == 0 ? Double.NaN : (double) failures / n);
        return m;
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
