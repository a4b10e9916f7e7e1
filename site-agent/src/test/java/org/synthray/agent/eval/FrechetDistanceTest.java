package org.synthray.agent.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {
    static double[][] gaussian(int n, int d, double mean, double std, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                x[i][k] = mean + std * Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
            }
        }
        return x;
    }

    @Test
    void identicalSetsAreAtZeroAndAShiftedMeanAddsItsSquare() {
        double[][] a = gaussian(400, 6, 0, 1, 1);
        assertEquals(0, FrechetDistance.between(a, a), 1e-6);
        double[][] b = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i].clone();
            b[i][0] += 3;
        }
        assertEquals(9, FrechetDistance.between(a, b), 1e-6);
    }

    @Test
    void scaledCovarianceMatchesTheClosedForm() {
        // Σ₂ = 4Σ₁ → Tr(Σ₁) + Tr(4Σ₁) − 2·Tr(2Σ₁) = Tr(Σ₁).
        double[][] a = gaussian(500, 5, 0, 1, 2);
        double[][] b = new double[a.length][5];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < 5; k++) {
                b[i][k] = 2 * a[i][k];
            }
        }
        double[] m = FrechetDistance.mean(a);
        double[][] c = FrechetDistance.covariance(a, m);
        double tr = 0;
        for (int i = 0; i < 5; i++) {
            tr += c[i][i];
        }
        double meanShift = 0;
        for (double v : m) {
            meanShift += v * v; // the mean doubles too
        }
        assertEquals(tr + meanShift, FrechetDistance.between(a, b), 1e-6);
    }

    @Test
    void eigenDecompositionReconstructsTheMatrix() {
        double[][] s = {{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 1}};
        double[][] r = FrechetDistance.sqrtPsd(s);
        double[][] back = FrechetDistance.multiply(r, r);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(s[i][j], back[i][j], 1e-9);
            }
        }
    }

    @Test
    void nearestNeighbourFindsTheCopy() {
        float[] ref = {-1, -1, 1, 1, 0, 0};
        float[] q = {1, 1};
        double[][] nn = NearestNeighbours.nearest(q, 1, ref, 3, 2, true);
        assertEquals(0, nn[0][0], 1e-12);
        assertEquals(1, (int) nn[1][0]);
        assertTrue(NearestNeighbours.nearest(new float[] {-1, -1}, 1, new float[] {1, 1}, 1, 2, true)[0][0] > 0.99);
    }

    @Test
    void findingClassesFollowThePriorityOrder() {
        assertEquals(0, FindingClasses.of(List.of("No Finding")));
        assertEquals(1, FindingClasses.of(List.of("Effusion", "Cardiomegaly")));
        assertEquals(2, FindingClasses.of(List.of("Infiltration", "Effusion")));
        assertEquals(-1, FindingClasses.of(List.of("Hernia")));
    }
}
