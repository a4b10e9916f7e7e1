package org.synthray.coordinator.federation.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The accountant against published reference values. Sources:
 * <ul>
 *   <li>TF-Privacy, {@code tensorflow_privacy/privacy/analysis/rdp_accountant_test.py}
 *       ({@code test_compute_rdp_no_data}, {@code _no_sampling}, {@code _scalar}, {@code _sequence},
 *       {@code test_get_privacy_spent_check_target_delta});</li>
 *   <li>Google's {@code dp_accounting}, {@code rdp/rdp_privacy_accountant_test.py}
 *       ({@code test_compute_rdp_poisson_sampled_gaussian}, {@code test_compute_epsilon_delta_pure_dp},
 *       {@code test_compute_epsilon_delta_gaussian});</li>
 *   <li>Opacus, {@code opacus/tests/accountants_test.py} ({@code test_rdp_accountant}).</li>
 * </ul>
 */
class RdpAccountantTest {

    /** Opacus' {@code RDPAccountant.DEFAULT_ALPHAS}: 1.1 … 10.9 by 0.1, then 12 … 63. */
    private static double[] opacusAlphas() {
        double[] a = new double[99 + 52];
        int p = 0;
        for (int x = 1; x < 100; x++) {
            a[p++] = 1 + x / 10.0;
        }
        for (int x = 12; x < 64; x++) {
            a[p++] = x;
        }
        return a;
    }

    @Test
    void tfPrivacyEdgeCases() {
        // test_compute_rdp_no_data: q = 0 → 0; test_compute_rdp_no_sampling: q = 1, σ = 10, α = 20 → α/2σ² = 0.1
        assertEquals(0.0, RdpAccountant.rdpOfSampledGaussian(0, 10, 20));
        assertEquals(0.1, RdpAccountant.rdpOfSampledGaussian(1, 10, 20), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, RdpAccountant.rdpOfSampledGaussian(0.5, 0, 20), "no noise");
    }

    @Test
    void tfPrivacyScalar() {
        // test_compute_rdp_scalar: compute_rdp(q=0.1, noise_multiplier=2, steps=10, orders=5) ≈ 0.07737 (5 places)
        RdpAccountant acc = new RdpAccountant(new double[] {5});
        acc.compose(0.1, 2, 10);
        assertEquals(0.07737, acc.rdp()[0], 1e-5);
    }

    @Test
    void tfPrivacySequenceIntegerAndFractionalOrders() {
        // test_compute_rdp_sequence: compute_rdp(0.01, 2.5, 50, [1.5, 2.5, 5, 50, 100, inf])
        //   = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307, inf] within 1e-5.
        // dp_accounting's test_compute_rdp_poisson_sampled_gaussian has the same case with rtol 1e-4 and
        // [6.70579741e-4, 1.08548710e-3, 2.18075656e-3, 2.38460375e-2, 1.67416308e2, inf]; its value at
        // α = 1.5 comes from a different bound: a 30-digit mpmath integration of A_α gives 6.500709e-4,
        // TF-Privacy's value, so that order is checked against TF-Privacy only.
        double[] orders = {1.5, 2.5, 5, 50, 100, Double.POSITIVE_INFINITY};
        double[] tfPrivacy = {0.00065, 0.001085, 0.00218075, 0.023846, 167.416307};
        double[] dpAccounting = {Double.NaN, 1.08548710e-3, 2.18075656e-3, 2.38460375e-2, 1.67416308e2};
        double[] rdp = new double[orders.length];
        for (int i = 0; i < orders.length; i++) {
            rdp[i] = 50 * RdpAccountant.rdpOfSampledGaussian(0.01, 2.5, orders[i]);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(tfPrivacy[i], rdp[i], 1e-5, "TF-Privacy, order " + orders[i]);
            if (!Double.isNaN(dpAccounting[i])) {
                assertEquals(dpAccounting[i], rdp[i], Math.abs(dpAccounting[i]) * 1e-4, "dp_accounting, order " + orders[i]);
            }
        }
        assertEquals(Double.POSITIVE_INFINITY, rdp[5]);
        // The mpmath integral (∫ N(z; 0, σ²)·((1 − q) + q·e^((2z − 1)/2σ²))^α dz) at α = 1.5 and 2.5, ×50/(α − 1):
        assertEquals(6.50070897186738e-4, rdp[0], 1e-12);
        assertEquals(1.08541805691740e-3, rdp[1], 1e-12);
    }

    @Test
    void pureDpConversionPicksTheLargestOrder() {
        // test_get_privacy_spent_check_target_delta / test_compute_epsilon_delta_pure_dp:
        // orders 2 … 32, RDP 1.1 at every order, δ = 1e-5 → ε = 1.32783806176 at order 32.
        double[] orders = new double[31];
        double[] rdp = new double[31];
        for (int i = 0; i < 31; i++) {
            orders[i] = i + 2;
            rdp[i] = 1.1;
        }
        double[] eps = RdpAccountant.epsilon(orders, rdp, 1e-5);
        assertEquals(1.32783806176, eps[0], 1e-10);
        assertEquals(32, eps[1]);
    }

    @Test
    void gaussianCalibratedToOneEpsilon() {
        // test_compute_epsilon_delta_gaussian: q = 1, σ = 4.530877117 is exactly (1, 1e-6)-DP;
        // orders 1.001 … 99.999 by 0.001 (α = 1 itself is left out: no order is exactly 1 here).
        double[] orders = new double[98_999];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = 0.001 * (i + 1001);
        }
        RdpAccountant acc = new RdpAccountant(orders);
        acc.compose(1, 4.530877117, 1);
        assertEquals(1.0, acc.epsilon(1e-6), 1e-7);
    }

    @Test
    void opacusRdpAccountant() {
        // test_rdp_accountant: σ = 1.5, q = 0.04, steps = int(90 / 0.04) = 2250, δ = 1e-5 → ε = 7.32911117143
        RdpAccountant acc = new RdpAccountant(opacusAlphas());
        acc.compose(0.04, 1.5, 2000);
        for (int i = 0; i < 250; i++) {
            acc.compose(0.04, 1.5, 1); // composing step by step adds up to the same
        }
        assertEquals(7.32911117143, acc.epsilon(1e-5), 1e-7);
        assertEquals(2250, acc.steps());
    }

    @Test
    void logErfcAgreesWithKnownValues() {
        // erfc(1) = 0.157299207050285, erfc(2) = 0.00467773498104727, erfc(5) = 1.53745979442803e-12,
        // erfc(10) = 2.08848758376254e-45, erfc(−1) = 1.84270079294971 (Abramowitz & Stegun table 7.1 / mpmath)
        assertEquals(0.157299207050285, RdpAccountant.erfc(1), 1e-15);
        assertEquals(0.00467773498104727, RdpAccountant.erfc(2), 1e-17);
        assertEquals(1.53745979442803e-12, RdpAccountant.erfc(5), 1e-25);
        assertEquals(Math.log(2.08848758376254e-45), RdpAccountant.logErfc(10), 1e-12);
        assertEquals(1.84270079294971, RdpAccountant.erfc(-1), 1e-14);
        assertEquals(1.0, RdpAccountant.erfc(0), 0);
    }

    @Test
    void defaultOrdersGiveNoWorseThanOpacusAndMoreRoundsCostMore() {
        RdpAccountant ours = new RdpAccountant();
        RdpAccountant opacus = new RdpAccountant(opacusAlphas());
        ours.compose(0.5, 1.1, 10);
        opacus.compose(0.5, 1.1, 10);
        double e10 = ours.epsilon(1e-5);
        assertTrue(e10 <= opacus.epsilon(1e-5) + 1e-12);
        ours.compose(0.5, 1.1, 10);
        assertTrue(ours.epsilon(1e-5) > e10);
    }

    @Test
    void refusesBadArguments() {
        RdpAccountant acc = new RdpAccountant();
        assertThrows(IllegalArgumentException.class, () -> acc.compose(1.5, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> acc.compose(0.5, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> acc.epsilon(0));
        assertThrows(IllegalArgumentException.class, () -> new RdpAccountant(new double[] {1.0}));
    }
}
