package org.synthray.coordinator.federation.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.synthray.coordinator.federation.strategy.Fixtures.aggregate;
import static org.synthray.coordinator.federation.strategy.Fixtures.assertValues;
import static org.synthray.coordinator.federation.strategy.Fixtures.f32;
import static org.synthray.coordinator.federation.strategy.Fixtures.model;
import static org.synthray.coordinator.federation.strategy.Fixtures.typed;
import static org.synthray.coordinator.federation.strategy.Fixtures.update;
import static org.synthray.coordinator.federation.strategy.Fixtures.vector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

class DpStrategyTest {
    private static final StrategyContext CTX = StrategyContext.simple(1, 0);
    private static final List<String> SITES = List.of("a", "b");

    private static DpStrategy dp(double sigma, double clip) {
        return new DpStrategy(new FedAvg(CTX), DpStrategy.Config.fixed(sigma, clip), OptionalLong.of(7));
    }

    private static Weights round(DpStrategy s, int round, Weights global, List<String> available, List<ClientUpdate> updates) {
        s.configureFit(round, global, available);
        return aggregate(s.aggregator(round, global), updates);
    }

    @Test
    void clipsEachUpdateToTheNormBoundAndIgnoresExampleCounts() {
        DpStrategy s = dp(0, 1.0); // no noise: the clipped mean is exact
        // Δa = (6, 8), norm 10 → (0.6, 0.8); Δb = (0.3, −0.4), norm 0.5, kept; mean over m = 2 sites
        Weights out = round(s, 1, vector(0, 0), SITES,
                List.of(update("a", 1_000_000, vector(6, 8)), update("b", 1, vector(0.3f, -0.4f))));
        assertValues(new double[] {0.45, 0.2}, out.get("w"), 1e-6);
        assertEquals(Double.POSITIVE_INFINITY, s.epsilon(), "no noise, no privacy");
    }

    @Test
    void oneSiteMovesTheModelByAtMostClipNormOverM() {
        DpStrategy s = dp(0, 0.5);
        Weights global = vector(1, 1, 1);
        List<ClientUpdate> honest = List.of(update("a", 1, vector(1.1f, 1, 1)), update("b", 1, vector(1, 0.9f, 1)));
        List<ClientUpdate> attacked = List.of(honest.get(0), update("b", 1, vector(1e6f, -1e6f, 1e6f)));
        List<String> sites = List.of("a", "b");
        float[] x = round(s, 1, global, sites, honest).get("w").toFloatArray();
        float[] y = round(s, 2, global, sites, attacked).get("w").toFloatArray();
        double d = 0;
        for (int j = 0; j < x.length; j++) {
            d += (x[j] - y[j]) * (double) (x[j] - y[j]);
        }
        // b's contribution was at most C/m = 0.25 either way, so the two results differ by at most 2·C/m.
        assertTrue(Math.sqrt(d) <= 2 * 0.5 / 2 + 1e-6, "moved by " + Math.sqrt(d));
    }

    @Test
    void noiseOnTheAverageHasStandardDeviationSigmaTimesClipOverM() {
        int n = 40_000;
        DpStrategy s = new DpStrategy(new FedAvg(CTX), DpStrategy.Config.fixed(2.0, 3.0), OptionalLong.of(12345));
        Weights global = Weights.of(Tensor.zeros("w", DType.FLOAT32, new int[] {n}));
        List<ClientUpdate> updates = new ArrayList<>();
        for (String site : List.of("a", "b", "c", "d")) {
            updates.add(update(site, 1, global)); // Δ = 0: the result is pure noise
        }
        s.configureFit(1, global, List.of("a", "b", "c", "d"));
        UpdateAggregator agg = s.aggregator(1, global);
        Weights out = aggregate(agg, updates);
        float[] z = out.get("w").toFloatArray();
        double mean = 0;
        for (float v : z) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        int withinOne = 0;
        double expected = 2.0 * 3.0 / 4; // σ·C/m = 1.5
        for (float v : z) {
            var += (v - mean) * (v - mean);
            if (Math.abs(v) <= expected) {
                withinOne++;
            }
        }
        double sd = Math.sqrt(var / (n - 1));
        // Standard errors: mean 1.5/√n ≈ 0.0075, standard deviation 1.5/√(2n) ≈ 0.0053; allow 4 of each.
        assertEquals(0, mean, 0.03);
        assertEquals(expected, sd, 0.022);
        assertEquals(0.6827, (double) withinOne / n, 0.01, "a normal puts 68.27% within one standard deviation");
        assertEquals(expected, agg.metrics().get("dp_noise_stddev"), 1e-12);
    }

    @Test
    void epsilonIsAccountedOneStepPerRoundAtTheSamplingRate() {
        DpStrategy s = new DpStrategy(new FedAvg(StrategyContext.of(2, 0.5, 0, r -> Map.of(), r -> Map.of(), 1)),
                DpStrategy.Config.fixed(1.0, 1.0), OptionalLong.of(1));
        List<String> four = List.of("a", "b", "c", "d");
        Weights global = vector(0);
        UpdateAggregator last = null;
        for (int r = 1; r <= 3; r++) {
            List<String> asked = s.configureFit(r, global, four).stream().map(t -> t.clientId()).toList();
            assertEquals(2, asked.size());
            last = s.aggregator(r, global);
            aggregate(last, List.of(update(asked.get(0), 1, vector(0.1f)), update(asked.get(1), 1, vector(0.2f))));
        }
        RdpAccountant reference = new RdpAccountant();
        reference.compose(0.5, 1.0, 3); // q = 2 of 4 sites, σ = 1, 3 rounds
        assertEquals(reference.epsilon(1e-5), last.metrics().get("dp_epsilon"), 1e-12);
        assertEquals(0.5, last.metrics().get("dp_sampling_rate"));
        assertTrue(last.metrics().get("dp_epsilon") > 0 && last.metrics().get("dp_epsilon") < 10);
    }

    @Test
    void adaptiveClippingMovesTheNormTowardTheTargetQuantile() {
        DpStrategy s = new DpStrategy(new FedAvg(CTX),
                new DpStrategy.Config(0, 1.0, true, 0.5, 0.2, null, 1e-5), OptionalLong.of(3));
        List<String> sites = List.of("a", "b", "c", "d");
        // norms 0.5, 0.5, 0.5, 5 under C = 1: 3 of 4 unclipped → C·exp(−0.2·(0.75 − 0.5)) = e^−0.05
        UpdateAggregator agg;
        s.configureFit(1, vector(0), sites);
        agg = s.aggregator(1, vector(0));
        aggregate(agg, List.of(update("a", 1, vector(0.5f)), update("b", 1, vector(-0.5f)),
                update("c", 1, vector(0.5f)), update("d", 1, vector(5))));
        assertEquals(Math.exp(-0.05), s.clipNorm(), 1e-12);
        assertEquals(0.75, agg.metrics().get("dp_unclipped_fraction"), 1e-12);
        assertEquals(1.0, agg.metrics().get("dp_clip_norm"));
        assertEquals(Math.exp(-0.05), s.state().get("dp/clip_norm").getDouble(0), 1e-12);
    }

    @Test
    void adaptiveClippingSplitsTheNoiseBetweenCountAndUpdate() {
        DpStrategy s = new DpStrategy(new FedAvg(CTX),
                new DpStrategy.Config(1.0, 1.0, true, 0.5, 0.2, null, 1e-5), OptionalLong.of(3));
        // m = 10: σ_b = max(10/20, 1) = 1, σ_Δ = (1 − (2·1)⁻²)^(−1/2) = 1/√0.75
        assertEquals(1.0, s.countStddev(10));
        assertEquals(1 / Math.sqrt(0.75), s.valueNoiseMultiplier(10), 1e-12);
        // m = 100: σ_b = 5, σ_Δ = (1 − 1/100)^(−1/2)
        assertEquals(1 / Math.sqrt(0.99), s.valueNoiseMultiplier(100), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> new DpStrategy.Config(1.0, 1.0, true, 0.5, 0.2, 0.4, 1e-5), "σ_b ≤ σ/2 leaves nothing for the update");
    }

    @Test
    void fedAdamTakesItsStepFromTheNoisedAverage() {
        DpStrategy s = new DpStrategy(new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9), DpStrategy.Config.fixed(0, 1.0),
                OptionalLong.of(1));
        // Both sites move by 10, clipped to 1: Δ = 1; Adam: m = 0.1, v = 0.01, w = 0 + η₁·0.1/0.1 = η₁
        Weights out = round(s, 1, vector(0), SITES, List.of(update("a", 1, vector(10)), update("b", 1, vector(10))));
        assertValues(new double[] {0.1 * Math.sqrt(1 - 0.99 * 0.99) / (1 - 0.9 * 0.9)}, out.get("w"), 1e-6);
        assertEquals(List.of("m/w", "v/w", "dp/orders", "dp/rdp", "dp/rounds", "dp/clip_norm"), s.state().names());
    }

    @Test
    void integerTensorsKeepTheGlobalValues() {
        DpStrategy s = dp(0, 1);
        Weights global = model(f32("w", 0), typed("steps", DType.INT64, 5));
        Weights out = round(s, 1, global, SITES, List.of(
                update("a", 1, model(f32("w", 0.2f), typed("steps", DType.INT64, 900))),
                update("b", 1, model(f32("w", 0.4f), typed("steps", DType.INT64, 700)))));
        assertValues(new double[] {5}, out.get("steps"), 0);
        assertValues(new double[] {0.3}, out.get("w"), 1e-6);
    }

    @Test
    void stateRestoredAfterARestartContinuesTheAccounting() {
        DpStrategy first = new DpStrategy(new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9),
                new DpStrategy.Config(0.8, 1.0, true, 0.5, 0.2, null, 1e-5), OptionalLong.of(9));
        Weights global = vector(0, 0);
        Weights w1 = round(first, 1, global, SITES, List.of(update("a", 1, vector(1, 2)), update("b", 1, vector(2, 1))));
        Weights saved = first.state();
        DpStrategy resumed = new DpStrategy(new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9),
                new DpStrategy.Config(0.8, 1.0, true, 0.5, 0.2, null, 1e-5), OptionalLong.of(9));
        resumed.restore(saved);
        assertEquals(first.epsilon(), resumed.epsilon(), 0);
        assertEquals(first.clipNorm(), resumed.clipNorm(), 0);
        List<ClientUpdate> next = List.of(update("a", 1, vector(0.3f, 0.1f)), update("b", 1, vector(0.2f, 0.3f)));
        Weights a = round(first, 2, w1, SITES, next);
        Weights b = round(resumed, 2, w1, SITES, next);
        assertTrue(a.contentEquals(b), "same state, same seed: same round 2");
        assertEquals(first.epsilon(), resumed.epsilon(), 0);
        assertThrows(IllegalArgumentException.class,
                () -> dp(1, 1).restore(Weights.of(Tensor.ofDoubles("dp/rdp", new int[] {1}, 0))));
    }
}
