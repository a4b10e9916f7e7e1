package org.synthray.coordinator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.blob.BlobRef;
import org.synthray.coordinator.blob.BlobWeightsTransport;
import org.synthray.coordinator.federation.strategy.FedAvg;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.flower.RawFlowerClient;
import org.synthray.flower.BlobRefs;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * An approved site that sends hostile bytes costs the run nothing but its own update: the update is
 * rejected with a reason, the run completes with the others, and an unexpected failure inside the
 * coordinator ends the run FAILED instead of leaving it half-alive.
 */
@QuarkusTest
class HostileSiteTest {
    private static final AtomicInteger RUNS = new AtomicInteger();

    @Inject
    ClientRegistry registry;

    @Inject
    BlobWeightsTransport blobTransport;

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        pool.shutdownNow();
    }

    private static Weights model() {
        return Weights.of(Tensor.ofFloats("w", new int[] {2, 3}, 1, 2, 3, 4, 5, 6),
                Tensor.ofFloats("b", new int[] {3}, 0.5f, 0.25f, 0.125f));
    }

    private static FedAvg fedAvg(int minFit) {
        return new FedAvg(1.0, 1.0, minFit, 1, r -> Map.of(), r -> Map.of(), 1);
    }

    private void goodAgent(String site) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(new ArithmeticTrainer(model(), 1.0, 1.0, 10)),
                FlowerConnection.Options.of("127.0.0.1", port, site).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 50));
        pool.submit(c::run);
    }

    /** A site whose FitRes is {@code fit(FitIns)}; evaluation answers normally. */
    private void hostile(String site, Function<ServerMessage.FitIns, ClientMessage.FitRes> fit) {
        RawFlowerClient c = new RawFlowerClient(port, site, m -> {
            ClientMessage reply = m.hasFitIns() ? ClientMessage.newBuilder().setFitRes(fit.apply(m.getFitIns())).build()
                    : ClientMessage.newBuilder().setEvaluateRes(ClientMessage.EvaluateRes.newBuilder()
                    .setLoss(0.5f).setNumExamples(3)).build();
            return new RawFlowerClient.Reply(reply.toByteArray());
        });
        toClose.add(c);
    }

    private RunResult run(Strategy strategy, int minClients, WeightsTransport transport, List<RoundSummary> summaries) {
        return new FederationRunner(registry, strategy, FederationRunner.Settings.of("hostile-" + RUNS.incrementAndGet(),
                1, minClients, Duration.ofSeconds(30), Duration.ofSeconds(20), model()), (s, w, u) -> summaries.add(s),
                transport).run();
    }

    /** A .npy of format 2.0 with this header and no data. */
    private static ByteString npy2(String header) {
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return ByteString.copyFrom(ByteBuffer.allocate(12 + h.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length).put(h).array());
    }

    private static String rejections(RoundSummary s) {
        return String.join("\n", s.rejected());
    }

    @Test
    void nestedNpyHeaderCostsTheSiteItsUpdateNotTheRun() {
        goodAgent("site-good");
        // 200,000 nested parentheses once overflowed the header parser's stack and killed the run thread.
        String nested = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(200_000) + ")".repeat(200_000) + ", }";
        hostile("site-nested", ins -> ClientMessage.FitRes.newBuilder().setNumExamples(5)
                .setParameters(ins.getParameters().toBuilder().setTensors(0, npy2(nested))).build());

        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        RunResult result = run(fedAvg(1), 2, WeightsTransport.INLINE, summaries);

        assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
        String rejected = rejections(summaries.get(0));
        assertTrue(rejected.contains("site-nested") && rejected.contains("longer than"), rejected);
        assertTrue(rejected.length() < 1000, "the reason quotes no megabyte header: " + rejected.length());
    }

    @Test
    void anUnexpectedErrorWhileCheckingOneUpdateRejectsOnlyThatUpdate() {
        goodAgent("site-good");
        hostile("site-poison", ins -> ClientMessage.FitRes.newBuilder().setNumExamples(5).setParameters(ins.getParameters()).build());
        // Injected fault: decoding this site's update throws an Error, as a parser bug would.
        WeightsTransport faulty = new WeightsTransport() {
            @Override
            public Outgoing outgoing(Weights weights) throws IOException {
                return INLINE.outgoing(weights);
            }

            @Override
            public Weights incoming(ClientMessage.FitRes res, Weights global, Origin origin) throws IOException {
                if ("site-poison".equals(origin.siteId())) {
                    throw new StackOverflowError("injected");
                }
                return INLINE.incoming(res, global, origin);
            }
        };
        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        RunResult result = run(fedAvg(1), 2, faulty, summaries);

        assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
        assertEquals(1, summaries.get(0).answered());
        String rejected = rejections(summaries.get(0));
        assertTrue(rejected.contains("site-poison") && rejected.contains("StackOverflowError"), rejected);
    }

    @Test
    void aFailureOfTheRunItselfEndsItFailed() {
        goodAgent("site-good");
        // Injected fault: the aggregation throws an Error after a valid update.
        Strategy broken = new FedAvg(1.0, 1.0, 1, 1, r -> Map.of(), r -> Map.of(), 1) {
            @Override
            public UpdateAggregator aggregator(int round, Weights global) {
                UpdateAggregator real = super.aggregator(round, global);
                return new UpdateAggregator() {
                    public void add(ClientUpdate u) {
                        real.add(u);
                    }

                    public int count() {
                        return real.count();
                    }

                    public Weights result() {
                        throw new OutOfMemoryError("injected");
                    }
                };
            }
        };
        RunResult result = run(broken, 1, WeightsTransport.INLINE, new ArrayList<>());
        assertEquals(RunResult.Status.FAILED, result.status());
        assertTrue(result.reason().contains("OutOfMemoryError"), result.reason());
    }

    /** An .npz whose one entry declares {@code floats} float32 zeros, deflated (a few KB per 4 MB). */
    private static void bomb(Path file, long floats) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry("w.npy"));
            String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + floats + ",), }\n";
            zip.write(npy2(h.substring(0, h.length())).toByteArray());
            byte[] zeros = new byte[1 << 20];
            for (long left = floats * 4; left > 0; left -= zeros.length) {
                zip.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("b.npy")); // the second tensor as the model has it
            zip.write(org.synthray.tensor.Npy.write(model().get(1)));
            zip.closeEntry();
        }
    }

    private BlobRef upload(String site, Path file) throws IOException {
        try (BlobClient c = new BlobClient(BlobClient.Options.of("127.0.0.1", port, site))) {
            return c.upload(file).blob();
        }
    }

    @Test
    void blobReferencesAreBoundToTheUploaderAndCheckedBeforeInflation() throws Exception {
        goodAgent("site-good");
        Path dir = Files.createTempDirectory("hostile-blobs");
        // Another site's blob, uploaded before the round: site-thief names it in its reply.
        Path others = dir.resolve("others.npz");
        org.synthray.blob.WeightsBlobs.write(model(), others);
        BlobRef notMine = upload("site-other", others);
        hostile("site-thief", ins -> BlobRefs.fitRes(notMine, 5, Map.of()));
        // A deflate bomb the site uploads itself after being asked: 64 MiB declared in a few hundred KB.
        Path bombFile = dir.resolve("bomb.npz");
        bomb(bombFile, 16L << 20);
        hostile("site-bomber", ins -> {
            try {
                return BlobRefs.fitRes(upload("site-bomber", bombFile), 5, Map.of());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        RunResult result = run(fedAvg(1), 3, blobTransport, summaries);

        assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
        assertEquals(1, summaries.get(0).answered(), summaries.get(0).logLine());
        String rejected = rejections(summaries.get(0));
        assertTrue(rejected.contains("site-thief") && rejected.contains("did not upload"), rejected);
        assertTrue(rejected.contains("site-bomber") && rejected.contains("the model's tensor 0 ('w') is <f4(2, 3)"), rejected);
    }
}
