package org.synthray.coordinator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.flower.Scalars;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;
import org.synthray.coordinator.federation.strategy.FedAvg;

/**
 * The coordinator and two SynthRay site agents federate over real gRPC on loopback for two rounds
 * of FedAvg; the final global model equals an independently computed example-weighted average.
 */
@QuarkusTest
@io.quarkus.test.common.QuarkusTestResource(org.synthray.coordinator.testing.PostgresResource.class)
@io.quarkus.test.common.QuarkusTestResource(org.synthray.coordinator.testing.FreePortsResource.class)
class FederationEndToEndTest {

    @Inject
    ClientRegistry registry;

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    static Weights initialModel() {
        return Weights.of(
                Tensor.ofFloats("conv/w", new int[] {2, 3}, 0.5f, -1.25f, 2f, 3f, -0f, 1e-3f),
                Tensor.ofDoubles("head/b", new int[] {4}, 0.1, -2.5, 1e10, 7),
                Tensor.ofLongs("step", new int[] {}, 100));
    }

    @Test
    void twoAgentsTwoRoundsOfFedAvg() throws Exception {
        ArithmeticTrainer siteA = new ArithmeticTrainer(initialModel(), 1.0, 1.0, 30);
        ArithmeticTrainer siteB = new ArithmeticTrainer(initialModel(), 0.5, -2.0, 10);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        try {
            Future<FlowerConnection.Outcome> a = pool.submit(agent("site-a", siteA)::run);
            Future<FlowerConnection.Outcome> b = pool.submit(agent("site-b", siteB)::run);

            Strategy fedAvg = new FedAvg(1.0, 1.0, 2, 2,
                    r -> Map.of("server_round", Scalars.of((long) r)), r -> Map.of(), 7);
            RunResult result = new FederationRunner(registry, fedAvg, FederationRunner.Settings.of("e2e", 2, 2,
                    Duration.ofSeconds(30), Duration.ofSeconds(30), initialModel()), (s, w, u) -> summaries.add(s)).run();

            assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
            Weights expected = expectedAfterTwoRounds();
            Weights actual = result.finalWeights();
            assertEquals(expected.names(), actual.names());
            for (int i = 0; i < expected.size(); i++) {
                assertEquals(expected.get(i).dtype(), actual.get(i).dtype(), "dtype kept for " + expected.get(i).name());
                double[] e = expected.get(i).toDoubleArray();
                double[] g = actual.get(i).toDoubleArray();
                for (int j = 0; j < e.length; j++) {
                    assertEquals(e[j], g[j], Math.abs(e[j]) * 1e-6 + 1e-9, expected.get(i).name() + "[" + j + "]");
                }
            }

            // Both agents were told to shut down and stopped by themselves.
            assertEquals(1, a.get(30, TimeUnit.SECONDS).sessions());
            assertEquals(1, b.get(30, TimeUnit.SECONDS).sessions());
            assertEquals(2, siteA.fits.get());
            assertEquals(List.of(1L, 2L), siteA.fitConfigs.stream().map(c -> Scalars.getLong(c, "server_round", 0)).toList());

            assertEquals(2, summaries.size());
            for (RoundSummary s : summaries) {
                assertEquals(2, s.asked());
                assertEquals(2, s.answered());
                assertTrue(s.rejected().isEmpty() && s.failed().isEmpty(), s.toString());
                assertEquals(40, s.evaluation().numExamples());
                assertTrue(s.bytesIn() > 0 && s.bytesOut() > 0);
            }
            assertEquals(actual.modelId(), summaries.get(1).modelSha256());
        } finally {
            pool.shutdownNow();
        }
    }

    @Inject
    org.synthray.coordinator.blob.BlobWeightsTransport blobTransport;

    /**
     * A model above the blob threshold (64 KiB in tests) never travels in a Join message: FitIns
     * and FitRes carry references and both sides move the weights through the blob service.
     */
    @Test
    void modelsAboveTheThresholdTravelAsBlobs(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        float[] big = new float[50_000]; // 200 KB
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 1e-3f;
        }
        Weights model = Weights.of(Tensor.ofFloats("big", new int[] {big.length}, big), Tensor.ofFloats("b", new int[] {1}, 2f));
        ArithmeticTrainer siteA = new ArithmeticTrainer(model, 1.0, 1.0, 3);
        ArithmeticTrainer siteB = new ArithmeticTrainer(model, 1.0, -1.0, 1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        try (var blobsA = new org.synthray.agent.blob.BlobClient(org.synthray.agent.blob.BlobClient.Options.of("127.0.0.1", port, "site-a"));
             var blobsB = new org.synthray.agent.blob.BlobClient(org.synthray.agent.blob.BlobClient.Options.of("127.0.0.1", port, "site-b"))) {
            pool.submit(new FlowerConnection(new FlowerClient(siteA, new org.synthray.agent.blob.ModelTransfer(blobsA, dir.resolve("a"))),
                    FlowerConnection.Options.of("127.0.0.1", port, "site-a").withRun("blob-run")
                            .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 50))::run);
            pool.submit(new FlowerConnection(new FlowerClient(siteB, new org.synthray.agent.blob.ModelTransfer(blobsB, dir.resolve("b"))),
                    FlowerConnection.Options.of("127.0.0.1", port, "site-b").withRun("blob-run")
                            .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 50))::run);
            Strategy fedAvg = new FedAvg(1.0, 1.0, 2, 2, r -> Map.of(), r -> Map.of(), 7);
            RunResult result = new FederationRunner(registry, fedAvg, FederationRunner.Settings.of("blob-run", 2, 2,
                    Duration.ofSeconds(30), Duration.ofSeconds(30), model), (s, w, u) -> summaries.add(s), blobTransport).run();

            assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
            // Each round adds (3*1 + 1*(-1))/4 = 0.5 to every element.
            assertEquals(big[12345] + 1.0, result.finalWeights().get("big").getDouble(12345), 1e-4);
            assertEquals(3.0, result.finalWeights().get("b").getDouble(0), 1e-6);
            for (RoundSummary s : summaries) {
                assertEquals(2, s.answered(), s.logLine());
                assertTrue(s.bytesIn() < 4_000 && s.bytesOut() < 4_000, "only references in Join messages: " + s.logLine());
            }
            assertTrue(siteA.receivedModels.size() == 2 && siteA.fitConfigs.get(0).get("synthray.blob.sha256") == null,
                    "the trainer sees the model, not the reference keys");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Σ nᵢ (aᵢ g + bᵢ) / Σ nᵢ per element, cast to each tensor's dtype after every round. */
    private static Weights expectedAfterTwoRounds() {
        Weights g = initialModel();
        for (int round = 0; round < 2; round++) {
            List<Tensor> next = new java.util.ArrayList<>();
            for (Tensor t : g) {
                double[] v = t.toDoubleArray();
                for (int j = 0; j < v.length; j++) {
                    double a = v[j] * 1.0 + 1.0;
                    double b = v[j] * 0.5 - 2.0;
                    if (t.dtype() == DType.INT64) { // the client returns integers, rounded
                        a = Math.round(a);
                        b = Math.round(b);
                    }
                    v[j] = (30 * a + 10 * b) / 40;
                }
                next.add(Tensor.fromDoubles(t.name(), t.dtype(), t.shape(), v));
            }
            g = new Weights(next);
        }
        return g;
    }

    private FlowerConnection agent(String site, ArithmeticTrainer trainer) {
        return new FlowerConnection(new FlowerClient(trainer), FlowerConnection.Options.of("127.0.0.1", port, site)
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 50));
    }
}
