package org.synthray.coordinator.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.blob.BlobSource;
import org.synthray.agent.blob.ModelTransfer;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.blob.WeightsBlobs;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.Chunk;
import org.synthray.proto.blob.DownloadRequest;
import org.synthray.proto.blob.StatRequest;
import org.synthray.proto.blob.StatResponse;
import org.synthray.proto.blob.UploadOpen;
import org.synthray.proto.blob.UploadRequest;
import org.synthray.proto.blob.UploadResponse;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The blob service over real loopback gRPC, driven by the site agent's {@link BlobClient}:
 * chunked round trips, resumption after cut connections, refused corrupt bytes, deduplication
 * and bad names. Chunks are 256 KiB here ({@code %test.synthray.blobs.max-chunk-bytes}), so a
 * model of a few MiB takes many of them.
 */
@QuarkusTest
class BlobServiceTest {
    static final int CHUNK = 256 * 1024;

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    @Inject
    BlobStore store;

    @Inject
    @GrpcService
    BlobGrpcService service;

    private Path dir;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("blob-service-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private ManagedChannel newChannel() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
        channels.add(c);
        return c;
    }

    private BlobClient client(BlobClient.Listener listener) {
        BlobClient.Options o = BlobClient.Options.of("127.0.0.1", port, "test-site").withChunkBytes(CHUNK)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 50);
        BlobClient c = new BlobClient(o, this::newChannel, listener);
        toClose.add(c);
        return c;
    }

    private BlobServiceGrpc.BlobServiceBlockingStub blocking() {
        return BlobServiceGrpc.newBlockingStub(newChannel());
    }

    /** A model of about {@code mib} MiB of random float32 values, unlike any other test's. */
    static Weights model(int mib) {
        Random r = new Random();
        int n = mib * (1 << 18);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return Weights.of(Tensor.ofFloats("unet/down1/conv", new int[] {n / 256, 256}, w),
                Tensor.ofFloats("unet/down1/bias", new int[] {4}, r.nextFloat(), r.nextFloat(), 0, 1));
    }

    private Path blobFile(int mib) throws IOException {
        Path f = dir.resolve("model-" + System.nanoTime() + ".npz");
        WeightsBlobs.write(model(mib), f);
        return f;
    }

    private long received() {
        return service.counters().bytesReceived();
    }

    @Test
    void roundTripOfAMultiMiBModelInManyChunks() throws Exception {
        Weights w = model(3);
        Path f = dir.resolve("m.npz");
        BlobRef ref = WeightsBlobs.write(w, f);
        assertTrue(ref.size() > 12L * CHUNK, "several chunks");

        AtomicInteger chunks = new AtomicInteger();
        long before = received();
        BlobClient.UploadResult up = client(new BlobClient.Listener() {
            @Override
            public void chunkSent(BlobRef blob, long offset, int length) {
                assertTrue(length <= CHUNK);
                chunks.incrementAndGet();
            }
        }).upload(f);

        assertEquals(ref, up.blob());
        assertFalse(up.deduplicated());
        assertEquals(ref.size(), up.bytesSent());
        assertEquals(List.of(0L), up.sessionStarts());
        assertEquals((ref.size() + CHUNK - 1) / CHUNK, chunks.get());
        assertEquals(ref.size(), received() - before);
        assertTrue(store.exists(ref.sha256()));
        assertEquals(ref.size(), store.size(ref.sha256()).getAsLong());

        // The coordinator reads it memory-mapped, as the runner will.
        Weights stored = WeightsBlobs.map(store.localFile(ref.sha256()).orElseThrow(), null);
        assertTrue(stored.contentEquals(w));
        assertTrue(stored.get(0).data().isDirect());

        // And a site downloads it back.
        Path back = dir.resolve("back.npz");
        BlobClient.DownloadResult down = client(null).download(ref, back);
        assertEquals(ref.size(), down.bytesReceived());
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(back));
        assertFalse(Files.exists(dir.resolve("back.npz.part")));

        // Uploading it again moves nothing.
        BlobClient.UploadResult again = client(null).upload(f);
        assertTrue(again.deduplicated());
        assertEquals(0, again.bytesSent());
    }

    @Test
    void modelTransferPublishesAndFetchesWeights() throws Exception {
        Weights w = model(1);
        ModelTransfer site = new ModelTransfer(client(null), dir.resolve("site"));
        BlobRef ref = site.publish(w);
        assertTrue(store.exists(ref.sha256()));

        ModelTransfer other = new ModelTransfer(client(null), dir.resolve("other-site"));
        Weights fetched = other.fetch(ref, List.of("a", "b"));
        assertEquals(List.of("a", "b"), fetched.names());
        assertTrue(fetched.get(0).contentEquals(w.get(0)));
        assertTrue(fetched.get(0).data().isDirect(), "mapped, not copied to the heap");
    }

    @Test
    void uploadCutInTheMiddleResumesFromTheConfirmedOffset() throws Exception {
        Path f = blobFile(6); // 24 chunks: the cut comes long before the client could have sent them all
        BlobRef ref = Sha256.of(f);
        AtomicBoolean cut = new AtomicBoolean();
        AtomicLong confirmedAtCut = new AtomicLong();
        AtomicInteger session = new AtomicInteger(-1);
        AtomicLong firstSessionEnd = new AtomicLong();
        long before = received();

        BlobClient.UploadResult up = client(new BlobClient.Listener() {
            @Override
            public void uploadStarted(BlobRef blob, long offset) {
                session.incrementAndGet();
            }

            @Override
            public void chunkSent(BlobRef blob, long offset, int length) {
                if (session.get() == 0) {
                    firstSessionEnd.set(offset + length);
                }
            }

            @Override
            public void confirmed(BlobRef blob, long offset) {
                if (offset >= 3L * CHUNK && cut.compareAndSet(false, true)) {
                    confirmedAtCut.set(offset);
                    channels.get(channels.size() - 1).shutdownNow(); // the connection drops mid-upload
                }
            }
        }).upload(f);

        assertTrue(cut.get());
        assertTrue(store.exists(ref.sha256()));
        assertTrue(up.sessionStarts().size() >= 2, "resumed: " + up.sessionStarts());
        assertEquals(0L, up.sessionStarts().get(0));
        long resumedAt = up.sessionStarts().get(1);
        assertTrue(resumedAt >= confirmedAtCut.get(), "resumed at " + resumedAt + " < confirmed " + confirmedAtCut);
        assertTrue(resumedAt < ref.size());
        // Only what was in flight and not stored when the connection dropped was sent again...
        assertEquals(ref.size() + (firstSessionEnd.get() - resumedAt), up.bytesSent(),
                "sent " + up.bytesSent() + " for " + ref.size() + " bytes, resumed at " + resumedAt);
        // ...and the server stored every byte exactly once.
        assertEquals(ref.size(), received() - before);
        Path back = dir.resolve("back.npz");
        client(null).download(ref, back);
        assertEquals(ref, Sha256.of(back));
    }

    @Test
    void statReportsStagedBytesAndAnUploadContinuesAfterThem() throws Exception {
        Path f = blobFile(2);
        BlobRef ref = Sha256.of(f);
        byte[] bytes = Files.readAllBytes(f);

        // A client sends the first three chunks, then disappears.
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamObserver<UploadRequest> req = BlobServiceGrpc.newStub(newChannel()).upload(observer(events));
        req.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(ref.sha256()).setSize(ref.size())).build());
        assertEquals(0, ((UploadResponse) events.poll(10, TimeUnit.SECONDS)).getConfirmedOffset());
        for (int i = 0; i < 3; i++) {
            req.onNext(UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset((long) i * CHUNK)
                    .setData(ByteString.copyFrom(bytes, i * CHUNK, CHUNK))).build());
        }
        UploadResponse ack;
        do {
            ack = (UploadResponse) events.poll(10, TimeUnit.SECONDS);
        } while (ack.getConfirmedOffset() < 3L * CHUNK);
        req.onError(Status.CANCELLED.asRuntimeException());

        StatResponse st = awaitStat(ref.sha256(), StatResponse.State.PARTIAL, 3L * CHUNK);
        assertEquals(ref.size(), st.getSize());
        assertEquals(CHUNK, st.getMaxChunkBytes());
        assertFalse(store.exists(ref.sha256()), "a partial upload is never visible");

        BlobClient.UploadResult up = client(null).upload(f);
        assertEquals(List.of(3L * CHUNK), up.sessionStarts());
        assertEquals(ref.size() - 3L * CHUNK, up.bytesSent());
        assertEquals(StatResponse.State.COMPLETE, blocking().stat(StatRequest.newBuilder().setSha256(ref.sha256()).build()).getState());
        assertTrue(store.staged(ref.sha256()).isEmpty());
    }

    private StatResponse awaitStat(String sha, StatResponse.State state, long offset) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            StatResponse st = blocking().stat(StatRequest.newBuilder().setSha256(sha).build());
            if ((st.getState() == state && st.getConfirmedOffset() == offset) || System.nanoTime() > deadline) {
                assertEquals(state, st.getState());
                assertEquals(offset, st.getConfirmedOffset());
                return st;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void corruptedChunkIsRefusedAndTheRetrySucceeds() throws Exception {
        Path f = blobFile(1);
        BlobRef ref = Sha256.of(f);
        AtomicInteger opens = new AtomicInteger();
        // The first pass flips one byte on its way out (a faulty disk or NIC); the second is clean.
        BlobSource flaky = new BlobSource() {
            @Override
            public BlobRef ref() {
                return ref;
            }

            @Override
            public InputStream open(long offset) throws IOException {
                byte[] b = Files.readAllBytes(f);
                if (opens.getAndIncrement() == 0) {
                    b[b.length / 2] ^= 0x40;
                }
                return new ByteArrayInputStream(b, (int) offset, b.length - (int) offset);
            }
        };
        long failures = service.counters().integrityFailures();
        List<String> retries = new CopyOnWriteArrayList<>();
        BlobClient.UploadResult up = client(new BlobClient.Listener() {
            @Override
            public void retrying(BlobRef blob, int attempt, String reason) {
                retries.add(reason);
            }
        }).upload(flaky);

        assertEquals(failures + 1, service.counters().integrityFailures());
        assertEquals(1, retries.size());
        assertTrue(retries.get(0).startsWith("DATA_LOSS"), retries.get(0));
        assertEquals(List.of(0L, 0L), up.sessionStarts(), "the refused bytes were dropped: sent again from 0");
        assertEquals(3, opens.get(), "corrupt pass, re-read to check the source, clean pass");
        assertEquals(2 * ref.size(), up.bytesSent());
        assertTrue(store.exists(ref.sha256()));
        try (InputStream in = store.open(ref.sha256(), 0)) {
            assertEquals(ref, Sha256.of(in));
        }
    }

    @Test
    void wrongDeclaredHashIsRefusedAndNothingBecomesVisible() throws Exception {
        byte[] content = new byte[3 * CHUNK + 17];
        new Random().nextBytes(content);
        BlobRef real = new BlobRef(Sha256.of(content), content.length);
        byte[] other = content.clone();
        other[0] ^= 1;
        BlobRef claimed = new BlobRef(Sha256.of(other), content.length);

        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamObserver<UploadRequest> req = BlobServiceGrpc.newStub(newChannel()).upload(observer(events));
        req.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(claimed.sha256())
                .setSize(claimed.size())).build());
        for (int off = 0; off < content.length; off += CHUNK) {
            req.onNext(UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset(off)
                    .setData(ByteString.copyFrom(content, off, Math.min(CHUNK, content.length - off)))).build());
        }
        Status status = awaitError(events);
        assertEquals(Status.Code.DATA_LOSS, status.getCode());
        assertTrue(status.getDescription().contains("SHA-256 mismatch"), status.getDescription());
        assertTrue(status.getDescription().contains("upload again from offset 0"), status.getDescription());
        assertFalse(store.exists(claimed.sha256()));
        assertFalse(store.exists(real.sha256()));
        assertTrue(store.staged(claimed.sha256()).isEmpty(), "refused bytes are not kept");

        // The agent checks its own bytes: a source that is not the blob it names fails at once, no retries.
        Path f = dir.resolve("lying.bin");
        Files.write(f, content);
        BlobIntegrityException e = assertThrows(BlobIntegrityException.class,
                () -> client(null).upload(BlobSource.of(f, claimed)));
        assertEquals(real, e.actual());
        assertFalse(store.exists(claimed.sha256()));

        // The right name goes through.
        assertFalse(client(null).upload(BlobSource.of(f, real)).deduplicated());
        assertTrue(store.exists(real.sha256()));
    }

    @Test
    void concurrentUploadsOfTheSameBlobAreStoredOnce() throws Exception {
        Path f = blobFile(2);
        BlobRef ref = Sha256.of(f);
        long before = received();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<BlobClient.UploadResult>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                BlobClient c = client(null);
                results.add(pool.submit(() -> {
                    go.await();
                    return c.upload(BlobSource.of(f, ref));
                }));
            }
            go.countDown();
            long sent = 0;
            int dedup = 0;
            for (Future<BlobClient.UploadResult> r : results) {
                BlobClient.UploadResult u = r.get(60, TimeUnit.SECONDS);
                sent += u.bytesSent();
                dedup += u.deduplicated() ? 1 : 0;
            }
            assertEquals(2, dedup, "one upload stores the blob, the others find it");
            assertEquals(ref.size(), sent);
            assertEquals(ref.size(), received() - before);
            assertTrue(store.exists(ref.sha256()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void downloadResumesFromAPartialLocalFile() throws Exception {
        Path f = blobFile(2);
        BlobRef ref = client(null).upload(f).blob();
        byte[] bytes = Files.readAllBytes(f);

        Path target = dir.resolve("global.npz");
        Path part = dir.resolve("global.npz.part");
        int kept = 5 * CHUNK + 1000;
        Files.write(part, Arrays.copyOf(bytes, kept));
        BlobClient.DownloadResult r = client(null).download(ref, target);
        assertEquals(List.of((long) kept), r.sessionStarts());
        assertEquals(ref.size() - kept, r.bytesReceived());
        assertArrayEquals(bytes, Files.readAllBytes(target));
        assertFalse(Files.exists(part));

        // A partial file with wrong bytes fails verification at the end and is fetched again whole.
        Path target2 = dir.resolve("global2.npz");
        byte[] wrong = Arrays.copyOf(bytes, kept);
        wrong[10] ^= 1;
        Files.write(dir.resolve("global2.npz.part"), wrong);
        BlobClient.DownloadResult r2 = client(null).download(ref, target2);
        assertEquals(List.of((long) kept, 0L), r2.sessionStarts());
        assertEquals(ref.size() - kept + ref.size(), r2.bytesReceived());
        assertArrayEquals(bytes, Files.readAllBytes(target2));
    }

    @Test
    void downloadCutInTheMiddleResumes() throws Exception {
        Path f = blobFile(6);
        BlobRef ref = client(null).upload(f).blob();
        AtomicBoolean cut = new AtomicBoolean();
        Path target = dir.resolve("cut.npz");
        BlobClient.DownloadResult r = client(new BlobClient.Listener() {
            @Override
            public void chunkReceived(BlobRef blob, long offset, int length) {
                if (offset >= 2L * CHUNK && cut.compareAndSet(false, true)) {
                    channels.get(channels.size() - 1).shutdownNow();
                }
            }
        }).download(ref, target);
        assertTrue(cut.get());
        assertTrue(r.sessionStarts().size() >= 2, r.sessionStarts().toString());
        assertTrue(r.sessionStarts().get(1) >= 3L * CHUNK, r.sessionStarts().toString());
        assertEquals(ref.size(), r.bytesReceived(), "nothing received twice");
        assertEquals(ref, Sha256.of(target));
    }

    @Test
    void emptyBlobRoundTrip() throws Exception {
        Path f = dir.resolve("empty");
        Files.write(f, new byte[0]);
        BlobClient.UploadResult up = client(null).upload(f);
        assertEquals(0, up.blob().size());
        Path back = dir.resolve("empty-back");
        client(null).download(up.blob(), back);
        assertEquals(0, Files.size(back));
    }

    @Test
    void malformedNamesAndRequestsAreRefused() throws Exception {
        String valid = Sha256.of(("absent " + System.nanoTime()).getBytes());
        for (String bad : new String[] {"../../../../etc/passwd", valid.toUpperCase(), valid.substring(1),
                valid.substring(0, 62) + "/.", "", valid + "\u0000"}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> blocking().stat(StatRequest.newBuilder().setSha256(bad).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
            StatusRuntimeException d = assertThrows(StatusRuntimeException.class,
                    () -> blocking().download(DownloadRequest.newBuilder().setSha256(bad).build()).hasNext());
            assertEquals(Status.Code.INVALID_ARGUMENT, d.getStatus().getCode(), bad);
            LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
            BlobServiceGrpc.newStub(newChannel()).upload(observer(events))
                    .onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(bad).setSize(1)).build());
            assertEquals(Status.Code.INVALID_ARGUMENT, awaitError(events).getCode(), bad);
            assertThrows(IllegalArgumentException.class, () -> store.exists(bad));
        }
        assertEquals(StatResponse.State.ABSENT, blocking().stat(StatRequest.newBuilder().setSha256(valid).build()).getState());
        StatusRuntimeException nf = assertThrows(StatusRuntimeException.class,
                () -> blocking().download(DownloadRequest.newBuilder().setSha256(valid).build()).hasNext());
        assertEquals(Status.Code.NOT_FOUND, nf.getStatus().getCode());
        BlobClient.BlobTransferException missing = assertThrows(BlobClient.BlobTransferException.class,
                () -> client(null).download(new BlobRef(valid, 10), dir.resolve("x")));
        assertEquals(Status.Code.NOT_FOUND, missing.code());

        // Chunks out of order, too large, or before open.
        assertEquals(Status.Code.OUT_OF_RANGE, rawUpload(valid, 100, Chunk.newBuilder().setOffset(50)
                .setData(ByteString.copyFrom(new byte[10])).build(), true).getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, rawUpload(valid, 10L * CHUNK, Chunk.newBuilder().setOffset(0)
                .setData(ByteString.copyFrom(new byte[CHUNK + 1])).build(), true).getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, rawUpload(valid, 100, Chunk.newBuilder().setOffset(0)
                .setData(ByteString.copyFrom(new byte[10])).build(), false).getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, rawUpload(valid, 5, Chunk.newBuilder().setOffset(0)
                .setData(ByteString.copyFrom(new byte[10])).build(), true).getCode());
        assertFalse(store.exists(valid));
    }

    private Status rawUpload(String sha, long size, Chunk chunk, boolean open) throws InterruptedException {
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamObserver<UploadRequest> req = BlobServiceGrpc.newStub(newChannel()).upload(observer(events));
        if (open) {
            req.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(sha).setSize(size)).build());
        }
        req.onNext(UploadRequest.newBuilder().setChunk(chunk).build());
        return awaitError(events);
    }

    private static Status awaitError(LinkedBlockingQueue<Object> events) throws InterruptedException {
        while (true) {
            Object e = events.poll(10, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no error from the server");
            }
            if (e instanceof Throwable t) {
                return Status.fromThrowable(t);
            }
            if (e instanceof Boolean) {
                throw new AssertionError("the call ended without an error");
            }
        }
    }

    private static <T> StreamObserver<T> observer(LinkedBlockingQueue<Object> events) {
        return new org.synthray.agent.grpc.QueueObserver<Object, T>(events);
    }
}
