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

import java.util.List;
import org.junit.jupiter.api.Test;
import org.synthray.tensor.DType;
import org.synthray.tensor.Weights;

/**
 * Server optimisers on a two-parameter model. Round 1: global (1, 2); sites (2, 2) and (4, 1) with
 * equal examples average to (3, 1.5), so Δ₁ = (2, −0.5). Round 2: the single site sends the new
 * global plus (1, 0), so Δ₂ = (1, 0). Expected values are worked out from Reddi et al.'s update
 * rules with Flower's constants, written out below.
 */
class FedOptTest {
    private static final StrategyContext CTX = StrategyContext.simple(1, 0);

    private static Weights round1(FedOpt s) {
        return aggregate(s.aggregator(1, vector(1, 2)),
                List.of(update("a", 7, vector(2, 2)), update("b", 7, vector(4, 1))));
    }

    private static Weights round2(FedOpt s, Weights global) {
        float[] g = global.get("w").toFloatArray();
        return aggregate(s.aggregator(2, global), List.of(update("a", 3, vector(g[0] + 1, g[1]))));
    }

    @Test
    void fedAdagrad() {
        FedAdagrad s = new FedAdagrad(CTX, 0.1, 0.0, 1e-9);
        // m = Δ₁ = (2, −0.5), v = Δ₁² = (4, 0.25); w = (1 + 0.1·2/2, 2 − 0.1·0.5/0.5)
        Weights w1 = round1(s);
        assertValues(new double[] {1.1, 1.9}, w1.get("w"), 1e-6);
        // m = Δ₂ = (1, 0), v = (5, 0.25); w = (1.1 + 0.1/√5, 1.9)
        Weights w2 = round2(s, w1);
        assertValues(new double[] {1.1 + 0.1 / Math.sqrt(5), 1.9}, w2.get("w"), 1e-6);
    }

    @Test
    void fedAdamWithFlowersBiasCorrection() {
        FedAdam s = new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9);
        // m = 0.1·Δ₁ = (0.2, −0.05), v = 0.01·Δ₁² = (0.04, 0.0025), η₁ = 0.1·√(1 − 0.99²)/(1 − 0.9²) = 0.0742460
        // w = (1 + η₁·0.2/0.2, 2 − η₁·0.05/0.05)
        Weights w1 = round1(s);
        assertValues(new double[] {1.0742460, 1.9257540}, w1.get("w"), 1e-6);
        // m = (0.9·0.2 + 0.1, 0.9·−0.05) = (0.28, −0.045), v = (0.99·0.04 + 0.01, 0.99·0.0025) = (0.0496, 0.002475),
        // η₂ = 0.1·√(1 − 0.99³)/(1 − 0.9³) = 0.0635940; w = w₁ + η₂·m/√v
        Weights w2 = round2(s, w1);
        assertValues(new double[] {1.1541987, 1.8682311}, w2.get("w"), 2e-6);
        assertValues(new double[] {0.28, -0.045}, s.state().get("m/w"), 1e-7);
        assertValues(new double[] {0.0496, 0.002475}, s.state().get("v/w"), 1e-8);
    }

    @Test
    void fedYogi() {
        FedYogi s = new FedYogi(CTX, 0.01, 0.9, 0.99, 1e-3);
        // m = (0.2, −0.05); v = 0 − 0.01·Δ₁²·sign(0 − Δ₁²) = (0.04, 0.0025);
        // w = (1 + 0.01·0.2/(0.2 + 0.001), 2 − 0.01·0.05/(0.05 + 0.001))
        Weights w1 = round1(s);
        assertValues(new double[] {1.0099502, 1.9901961}, w1.get("w"), 1e-6);
        // m = (0.28, −0.045); v₀ = 0.04 − 0.01·1·sign(0.04 − 1) = 0.05, v₁ = 0.0025 (Δ = 0);
        // w = w₁ + 0.01·(0.28/(√0.05 + 0.001), −0.045/(0.05 + 0.001))
        Weights w2 = round2(s, w1);
        assertValues(new double[] {1.0224165, 1.9813725}, w2.get("w"), 2e-6);
    }

    @Test
    void stateRestoredIntoAFreshInstanceContinuesTheRun() {
        FedAdam first = new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9);
        assertEquals(0, first.state().size(), "no state before the first round");
        Weights w1 = round1(first);
        Weights saved = first.state();
        assertEquals(List.of("m/w", "v/w"), saved.names());

        FedAdam resumed = new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9);
        resumed.restore(saved);
        Weights uninterrupted = round2(first, w1);
        Weights afterRestart = round2(resumed, w1);
        assertTrue(uninterrupted.contentEquals(afterRestart));

        resumed.restore(Weights.of());
        assertEquals(0, resumed.state().size(), "an empty state resets");
    }

    @Test
    void refusesStateThatDoesNotFit() {
        FedAdam s = new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9);
        assertThrows(IllegalArgumentException.class, () -> s.restore(Weights.of(f32("x", 1))));
        assertThrows(IllegalArgumentException.class, () -> s.restore(Weights.of(f32("m/w", 1))));
        s.restore(Weights.of(f32("m/w", 0, 0, 0), f32("v/w", 0, 0, 0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.aggregator(1, vector(1, 2)));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
    }

    @Test
    void integerTensorsAreAveragedNotOptimised() {
        FedAdam s = new FedAdam(CTX, 0.1, 0.9, 0.99, 1e-9);
        Weights global = model(f32("w", 0), typed("steps", DType.INT64, 100));
        Weights out = aggregate(s.aggregator(1, global), List.of(
                update("a", 1, model(f32("w", 0), typed("steps", DType.INT64, 110))),
                update("b", 1, model(f32("w", 0), typed("steps", DType.INT64, 130)))));
        assertValues(new double[] {120}, out.get("steps"), 0);
        assertValues(new double[] {0}, out.get("w"), 0); // Δ = 0 leaves the weight where it was
        assertEquals(List.of("m/w", "v/w"), s.state().names());
    }
}
