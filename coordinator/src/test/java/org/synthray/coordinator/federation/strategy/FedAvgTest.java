package org.synthray.coordinator.federation.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.synthray.coordinator.federation.strategy.Fixtures.aggregate;
import static org.synthray.coordinator.federation.strategy.Fixtures.assertValues;
import static org.synthray.coordinator.federation.strategy.Fixtures.f32;
import static org.synthray.coordinator.federation.strategy.Fixtures.f64;
import static org.synthray.coordinator.federation.strategy.Fixtures.model;
import static org.synthray.coordinator.federation.strategy.Fixtures.typed;
import static org.synthray.coordinator.federation.strategy.Fixtures.update;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.synthray.coordinator.federation.ClientTask;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.flower.Scalars;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

class FedAvgTest {

    private static Weights site(float[] w, double b, long step, int count, int u8, boolean flag, double half) {
        return model(f32("w", w), f64("b", b), typed("step", DType.INT64, step), typed("count", DType.INT32, count),
                typed("u8", DType.UINT8, u8), typed("flag", DType.BOOL, flag ? 1 : 0),
                typed("half", DType.FLOAT16, half));
    }

    @Test
    void averagesByExamplesAndKeepsEveryDtype() {
        Weights a = site(new float[] {1, 2, 3, 4}, 0.1, 10, 2, 255, true, 1.0);
        Weights b = site(new float[] {3, 6, -1, 0}, 0.5, 13, 3, 0, false, 2.0);
        FedAvg fedAvg = new FedAvg(StrategyContext.simple(2, 0));

        Weights avg = aggregate(fedAvg.aggregator(1, a), List.of(update("a", 1, a), update("b", 3, b)));

        // (1·a + 3·b) / 4, by hand:
        assertValues(new double[] {2.5, 5, 0, 1}, avg.get("w"), 1e-6);
        assertValues(new double[] {0.4}, avg.get("b"), 1e-12);
        assertValues(new double[] {12}, avg.get("step"), 0);   // 49/4 = 12.25 → 12
        assertValues(new double[] {3}, avg.get("count"), 0);   // 11/4 = 2.75 → 3
        assertValues(new double[] {64}, avg.get("u8"), 0);     // 255/4 = 63.75 → 64
        assertValues(new double[] {0}, avg.get("flag"), 0);    // 1/4 < 0.5 → false
        assertValues(new double[] {1.75}, avg.get("half"), 0); // 7/4, exact in float16
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).dtype(), avg.get(i).dtype(), a.get(i).name());
            assertEquals(a.get(i).name(), avg.get(i).name());
        }
    }

    @Test
    void integerTiesRoundToEvenAndBooleansFromOneHalf() {
        Weights a = model(typed("i", DType.INT32, 1, 2, -1), typed("flag", DType.BOOL, 1));
        Weights b = model(typed("i", DType.INT32, 2, 3, -2), typed("flag", DType.BOOL, 0));
        Weights avg = aggregate(new FedAvg(StrategyContext.simple(1, 0)).aggregator(1, a),
                List.of(update("a", 5, a), update("b", 5, b)));
        assertValues(new double[] {2, 2, -2}, avg.get("i"), 0); // 1.5 → 2, 2.5 → 2, -1.5 → -2
        assertValues(new double[] {1}, avg.get("flag"), 0);     // exactly 0.5 → true
    }

    @Test
    void float32SumOfFiftySitesMatchesADoublePrecisionAverage() {
        Random rnd = new Random(42);
        int n = 10_000;
        List<ClientUpdate> updates = new ArrayList<>();
        double[] weightedSum = new double[n];
        long total = 0;
        for (int k = 0; k < 50; k++) {
            float[] v = new float[n];
            for (int j = 0; j < n; j++) {
                v[j] = (float) (rnd.nextGaussian() * 0.05 + 0.3);
            }
            long examples = 1 + rnd.nextInt(5000);
            for (int j = 0; j < n; j++) {
                weightedSum[j] += examples * (double) v[j];
            }
            total += examples;
            updates.add(update("site-" + k, examples, Weights.of(Tensor.ofFloats("w", new int[] {100, 100}, v))));
        }
        Weights avg = aggregate(new FedAvg(StrategyContext.simple(1, 0)).aggregator(1, updates.get(0).weights()),
                updates);
        float[] got = avg.get("w").toFloatArray();
        for (int j = 0; j < n; j++) {
            double expected = weightedSum[j] / total;
            assertEquals(expected, got[j], Math.abs(expected) * 5e-6, "element " + j);
        }
    }

    @Test
    void chunkBoundariesAreCovered() {
        // A length that is not a multiple of the copy chunk, with a distinct value everywhere.
        int n = TensorValues.CHUNK * 2 + 3;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int j = 0; j < n; j++) {
            x[j] = j;
            y[j] = -3f * j;
        }
        Weights wx = Weights.of(Tensor.ofFloats("w", new int[] {n}, x));
        Weights wy = Weights.of(Tensor.ofFloats("w", new int[] {n}, y));
        Weights avg = aggregate(new FedAvg(StrategyContext.simple(1, 0)).aggregator(1, wx),
                List.of(update("x", 3, wx), update("y", 1, wy)));
        float[] got = avg.get("w").toFloatArray();
        for (int j = 0; j < n; j++) {
            assertEquals(0f, got[j], 0f, "element " + j); // (3·j − 3·j) / 4
        }
    }

    @Test
    void samplesAFractionOfTheSitesWithTheRoundConfig() {
        StrategyContext ctx = StrategyContext.of(2, 0.5, 0.25, r -> Map.of("server_round", Scalars.of((long) r)),
                r -> Map.of(), 3);
        FedAvg fedAvg = new FedAvg(ctx);
        Weights global = Fixtures.vector(1);
        List<String> sites = List.of("a", "b", "c", "d", "e", "f");
        List<ClientTask> fit = fedAvg.configureFit(4, global, sites);
        assertEquals(3, fit.size()); // ceil(0.5 · 6)
        assertEquals(3, fit.stream().map(ClientTask::clientId).distinct().count());
        assertEquals(4L, Scalars.getLong(fit.get(0).config(), "server_round", 0));
        assertEquals(2, fedAvg.configureEvaluate(4, global, sites).size()); // max(1, ceil(1.5))
        assertEquals(2, fedAvg.configureFit(1, global, List.of("a", "b")).size()); // the minimum is everyone
    }
}
