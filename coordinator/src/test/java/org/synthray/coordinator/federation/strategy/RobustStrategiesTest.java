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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/** Coordinate-wise median, trimmed mean and (multi-)Krum, with an adversarial site. */
class RobustStrategiesTest {
    @TempDir
    Path spill;

    private StrategyContext ctx() {
        return StrategyContext.simple(1, 0).withSpillDirectory(spill);
    }

    /** Three honest sites and one that sends huge values with a huge example count. */
    private static List<ClientUpdate> withOutlier() {
        return List.of(update("h1", 10, vector(1, 10, -3)), update("h2", 10, vector(2, 20, -1)),
                update("h3", 10, vector(3, 30, -2)), update("evil", 1_000_000, vector(1e6f, -1e6f, 1e6f)));
    }

    @Test
    void fedAvgFollowsTheOutlierTheRobustStrategiesDoNot() {
        Weights global = vector(0, 0, 0);
        Weights avg = aggregate(new FedAvg(ctx()).aggregator(1, global), withOutlier());
        assertTrue(avg.get("w").toFloatArray()[0] > 9e5, "FedAvg is dragged to the outlier");

        // Median of {1, 2, 3, 1e6} = (2 + 3)/2; of {10, 20, 30, −1e6} = (10 + 20)/2; of {−3, −1, −2, 1e6} = (−2 − 1)/2.
        Weights median = aggregate(new FedMedian(ctx()).aggregator(1, global), withOutlier());
        assertValues(new double[] {2.5, 15, -1.5}, median.get("w"), 0);

        // β = 0.25 of 4 sites drops one value from each end: mean of the middle two, as above.
        Weights trimmed = aggregate(new FedTrimmedAvg(ctx(), 0.25).aggregator(1, global), withOutlier());
        assertValues(new double[] {2.5, 15, -1.5}, trimmed.get("w"), 0);

        Weights krum = aggregate(new Krum(ctx(), 1, 1).aggregator(1, global), withOutlier());
        float[] k = krum.get("w").toFloatArray();
        assertTrue(k[0] >= 1 && k[0] <= 3, "Krum keeps an honest update, got " + k[0]);
    }

    @Test
    void medianOfAnOddNumberIsTheMiddleValue() {
        Weights median = aggregate(new FedMedian(ctx()).aggregator(1, vector(0, 0)), List.of(
                update("a", 1, vector(5, -1)), update("b", 1, vector(-7, 4)), update("c", 1, vector(6, 2))));
        assertValues(new double[] {5, 2}, median.get("w"), 0);
    }

    @Test
    void trimmedMeanDropsFloorBetaNFromEachEnd() {
        List<ClientUpdate> five = List.of(update("a", 1, vector(1)), update("b", 1, vector(2)), update("c", 1, vector(3)),
                update("d", 1, vector(4)), update("e", 1, vector(1000)));
        // floor(0.2·5) = 1 from each end: mean(2, 3, 4) = 3
        assertValues(new double[] {3}, aggregate(new FedTrimmedAvg(ctx(), 0.2).aggregator(1, vector(0)), five).get("w"), 0);
        // floor(0.1·5) = 0: the plain mean, 1010/5
        assertValues(new double[] {202}, aggregate(new FedTrimmedAvg(ctx(), 0.1).aggregator(1, vector(0)), five).get("w"), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> new FedTrimmedAvg(ctx(), 0.5));
    }

    /**
     * Honest h1 = (0, 0), h2 = (1, 0), h3 = (0, 2), h4 = (1, 1) and an outlier o = (100, 100), the two
     * coordinates in two tensors. Squared distances: h1h2 1, h1h3 4, h1h4 2, h2h3 5, h2h4 1, h3h4 2,
     * and 19 602 or more to o. With f = 1 each score sums the n − f − 2 = 2 nearest: h1 1 + 2 = 3,
     * h2 1 + 1 = 2, h3 2 + 4 = 6, h4 1 + 2 = 3, o 19 602 + 19 604 = 39 206.
     */
    private static List<ClientUpdate> krumCase() {
        return List.of(site("h1", 0, 0), site("h2", 1, 0), site("h3", 0, 2), site("h4", 1, 1), site("o", 100, 100));
    }

    private static ClientUpdate site(String id, float x, float y) {
        return update(id, 1, model(f32("x", x), f32("y", y)));
    }

    @Test
    void krumKeepsTheLowestScoredUpdate() {
        Weights global = model(f32("x", 0), f32("y", 0));
        Weights krum = aggregate(new Krum(ctx(), 1, 1).aggregator(1, global), krumCase());
        assertValues(new double[] {1}, krum.get("x"), 0); // h2
        assertValues(new double[] {0}, krum.get("y"), 0);
    }

    @Test
    void multiKrumAveragesTheMBestScored() {
        Weights global = model(f32("x", 0), f32("y", 0));
        Weights multi = aggregate(new Krum(ctx(), 1, 3).aggregator(1, global), krumCase());
        // h2 (2), then h1 and h4 (3 each): ((1, 0) + (0, 0) + (1, 1)) / 3
        assertValues(new double[] {2.0 / 3}, multi.get("x"), 1e-7);
        assertValues(new double[] {1.0 / 3}, multi.get("y"), 1e-7);
    }

    @Test
    void krumScoresMatchTheHandComputedOnes() {
        double[][] d = {
                {0, 1, 4, 2, 20000}, {1, 0, 5, 1, 19801}, {4, 5, 0, 2, 19604}, {2, 1, 2, 0, 19602},
                {20000, 19801, 19604, 19602, 0}};
        double[] s = Krum.scores(d, 1);
        assertEquals(List.of(3.0, 2.0, 6.0, 3.0, 39206.0), java.util.Arrays.stream(s).boxed().toList());
    }

    @Test
    void updatesAreSpilledToDiskDuringTheRoundAndDeletedAfterwards() throws IOException {
        Weights global = model(f32("x", 0, 0, 0), typed("n", DType.INT64, 0));
        UpdateAggregator agg = new FedMedian(ctx()).aggregator(1, global);
        agg.add(update("a", 1, model(f32("x", 1, 2, 3), typed("n", DType.INT64, 7))));
        agg.add(update("b", 1, model(f32("x", 3, 2, 1), typed("n", DType.INT64, 9))));
        List<Path> files = regularFiles();
        assertEquals(2, files.size(), "one spill file per update: " + files);
        for (Path f : files) {
            assertEquals(3 * 4 + 8, Files.size(f), "the update's tensor bytes");
        }
        Weights median = agg.result();
        assertValues(new double[] {2, 2, 2}, median.get("x"), 0);
        assertValues(new double[] {8}, median.get("n"), 0);
        assertEquals(List.of(), regularFiles(), "spill files are deleted once the round is aggregated");
        try (Stream<Path> s = Files.list(spill)) {
            assertEquals(0, s.count(), "and so is the round's directory");
        }
        agg.close(); // idempotent
    }

    @Test
    void anAbandonedRoundDeletesItsSpillFilesOnClose() throws IOException {
        UpdateAggregator agg = new Krum(ctx(), 0, 1).aggregator(1, vector(0));
        agg.add(update("a", 1, vector(1)));
        assertEquals(1, regularFiles().size());
        agg.close();
        assertEquals(List.of(), regularFiles());
    }

    @Test
    void chunkedStatisticsCoverTensorsLargerThanOneChunk() {
        int n = 70_001; // more than the largest read chunk (65 536 elements)
        float[][] sites = new float[3][n];
        for (int j = 0; j < n; j++) {
            sites[0][j] = j;
            sites[1][j] = -j;
            sites[2][j] = 2f * j;
        }
        List<ClientUpdate> updates = List.of(
                update("a", 1, Weights.of(Tensor.ofFloats("w", new int[] {n}, sites[0]))),
                update("b", 1, Weights.of(Tensor.ofFloats("w", new int[] {n}, sites[1]))),
                update("c", 1, Weights.of(Tensor.ofFloats("w", new int[] {n}, sites[2]))));
        float[] median = aggregate(new FedMedian(ctx()).aggregator(1, updates.get(0).weights()), updates)
                .get("w").toFloatArray();
        for (int j = 0; j < n; j++) {
            assertEquals(j, median[j], 0f, "element " + j); // median of {j, −j, 2j}
        }
    }

    private List<Path> regularFiles() throws IOException {
        try (Stream<Path> s = Files.walk(spill)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
