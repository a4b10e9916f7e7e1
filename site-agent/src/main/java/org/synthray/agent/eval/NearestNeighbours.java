package org.synthray.agent.eval;

/**
 * Distance from each query to its nearest reference: root-mean-square pixel difference on the
 * [0, 1] grey scale (0 = identical copy), or Euclidean distance for feature vectors. How close
 * generated images come to training images is the memorisation signal; real held-out images give
 * the scale of "close but not a copy".
 */
public final class NearestNeighbours {
    private NearestNeighbours() {
    }

    /** @return per query, the distance to the nearest of {@code ref}; {@code [1]} holds its index */
    public static double[][] nearest(float[] queries, int nq, float[] ref, int nr, int dim, boolean rmsOnUnitScale) {
        double[] dist = new double[nq];
        double[] idx = new double[nq];
        for (int q = 0; q < nq; q++) {
            double best = Double.MAX_VALUE;
            int bi = -1;
            int qo = q * dim;
            for (int r = 0; r < nr; r++) {
                int ro = r * dim;
                double s = 0;
                for (int k = 0; k < dim && s < best; k++) {
                    double d = queries[qo + k] - ref[ro + k];
                    s += d * d;
                }
                if (s < best) {
                    best = s;
                    bi = r;
                }
            }
            // Pixels are in [-1, 1]: halve to express the RMS difference on a [0, 1] scale.
            dist[q] = rmsOnUnitScale ? Math.sqrt(best / dim) / 2 : Math.sqrt(best);
            idx[q] = bi;
        }
        return new double[][] {dist, idx};
    }

    /** min, 5th percentile, median, mean of a sample. */
    public static double[] summary(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        double mean = 0;
        for (double x : s) {
            mean += x;
        }
        return new double[] {s[0], s[(int) Math.floor(0.05 * (s.length - 1))], s[(s.length - 1) / 2], mean / s.length};
    }
}
