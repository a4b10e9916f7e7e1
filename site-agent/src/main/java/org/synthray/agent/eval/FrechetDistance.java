package org.synthray.agent.eval;

/**
 * Fréchet distance between two Gaussians fitted to feature sets (the FID formula):
 * ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2·Tr((Σ₁^½ Σ₂ Σ₁^½)^½). The matrix square roots come from a Jacobi
 * eigen-decomposition of symmetric matrices, exact enough for the 64–256 feature dimensions used here.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /** @param a n×d features, row-major; @param b m×d features */
    public static double between(double[][] a, double[][] b) {
        int d = a[0].length;
        if (b[0].length != d) {
            throw new IllegalArgumentException("feature dimensions differ: " + d + " vs " + b[0].length);
        }
        double[] m1 = mean(a);
        double[] m2 = mean(b);
        double[][] s1 = covariance(a, m1);
        double[][] s2 = covariance(b, m2);
        double diff = 0;
        for (int i = 0; i < d; i++) {
            diff += (m1[i] - m2[i]) * (m1[i] - m2[i]);
        }
        double[][] r1 = sqrtPsd(s1);
        double[][] inner = multiply(multiply(r1, s2), r1);
        symmetrise(inner);
        double[] ev = SymmetricEigen.eigenvalues(inner);
        double trSqrt = 0;
        for (double e : ev) {
            trSqrt += Math.sqrt(Math.max(0, e));
        }
        return Math.max(0, diff + trace(s1) + trace(s2) - 2 * trSqrt);
    }

    static double[] mean(double[][] x) {
        double[] m = new double[x[0].length];
        for (double[] r : x) {
            for (int i = 0; i < m.length; i++) {
                m[i] += r[i];
            }
        }
        for (int i = 0; i < m.length; i++) {
            m[i] /= x.length;
        }
        return m;
    }

    static double[][] covariance(double[][] x, double[] m) {
        int d = m.length;
        double[][] c = new double[d][d];
        for (double[] r : x) {
            for (int i = 0; i < d; i++) {
                double ri = r[i] - m[i];
                for (int j = i; j < d; j++) {
                    c[i][j] += ri * (r[j] - m[j]);
                }
            }
        }
        double n = Math.max(1, x.length - 1);
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                c[i][j] /= n;
                c[j][i] = c[i][j];
            }
        }
        return c;
    }

    /** Square root of a symmetric positive semi-definite matrix (negative eigenvalues from round-off → 0). */
    static double[][] sqrtPsd(double[][] s) {
        SymmetricEigen e = SymmetricEigen.of(s);
        int d = s.length;
        double[][] out = new double[d][d];
        for (int k = 0; k < d; k++) {
            double r = Math.sqrt(Math.max(0, e.values()[k]));
            for (int i = 0; i < d; i++) {
                double vi = e.vectors()[i][k] * r;
                for (int j = 0; j < d; j++) {
                    out[i][j] += vi * e.vectors()[j][k];
                }
            }
        }
        return out;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        int k = b.length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                double v = a[i][p];
                for (int j = 0; j < m; j++) {
                    c[i][j] += v * b[p][j];
                }
            }
        }
        return c;
    }

    private static void symmetrise(double[][] a) {
        for (int i = 0; i < a.length; i++) {
            for (int j = i + 1; j < a.length; j++) {
                double v = 0.5 * (a[i][j] + a[j][i]);
                a[i][j] = v;
                a[j][i] = v;
            }
        }
    }

    private static double trace(double[][] a) {
        double t = 0;
        for (int i = 0; i < a.length; i++) {
            t += a[i][i];
        }
        return t;
    }
}
