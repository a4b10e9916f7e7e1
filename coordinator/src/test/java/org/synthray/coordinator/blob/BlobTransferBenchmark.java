package org.synthray.coordinator.blob;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.blob.BlobSource;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.blob.WeightsBlobs;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Blob transfer benchmark: not a test (it asserts nothing about time) and skipped unless asked for.
 * Run it alone (docs/benchmarks.md, "Blob transfer"):
 *
 * <pre>
 * ./mvnw -q -pl coordinator -am test -Dtest=BlobTransferBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsynthray.bench=true [-Dsynthray.bench.dir=/tmp/synthray-blob-bench] [-Dsynthray.bench.big-gib=2.25]
 *     [-Dsynthray.bench.chunks-mib=1,2,4] [-Dsynthray.bench.repeats=2]
 * </pre>
 *
 * It measures, in one JVM on loopback: raw grpc-java client streaming of 1 MiB messages (no disk,
 * no hashing) as the ceiling of the transport; SHA-256 of memory as the ceiling of verification; a
 * 1 GiB model update uploaded from a site agent's {@link BlobClient} to the coordinator's blob
 * service (stored, verified, published) and downloaded back; and one model over 2 GiB end to end
 * (written and hashed, uploaded, read back memory-mapped, hashes compared). Results go to stdout
 * and {@code coordinator/target/blob-benchmark.txt}.
 */
@QuarkusTest
@TestProfile(BlobTransferBenchmark.Profile.class)
@EnabledIfSystemProperty(named = "synthray.bench", matches = "true")
class BlobTransferBenchmark {
    static final long MIB = 1 << 20;
    static final long GIB = 1L << 30;

    /** Production chunk size and a store in the benchmark folder. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("synthray.blobs.max-chunk-bytes", "4194304",
                    "synthray.blobs.dir", benchDir().resolve("store").toString());
        }
    }

    static Path benchDir() {
        return Path.of(System.getProperty("synthray.bench.dir", "/tmp/synthray-blob-bench"));
    }

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    @Inject
    BlobStore store;

    @Inject
    @io.quarkus.grpc.GrpcService
    BlobGrpcService service;

    private final List<String> lines = new ArrayList<>();

    private void report(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[bench] " + line);
        lines.add(line);
    }

    private static double gbps(long bytes, long nanos) {
        return bytes / (nanos / 1e9) / 1e9;
    }

    @Test
    void run() throws Exception {
        Path dir = Files.createDirectories(benchDir());
        FileStore fs = Files.getFileStore(dir);
        double bigGib = Double.parseDouble(System.getProperty("synthray.bench.big-gib", "2.25"));
        report("machine: %d cores (%s), %s %s, heap max %d MiB, loadavg at start %.2f",
                Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        report("bench dir %s: %d GiB free", dir, fs.getUsableSpace() >> 30);
        if (fs.getUsableSpace() < (long) ((2 * bigGib + 1) * GIB)) {
            throw new IllegalStateException("not enough space in " + dir + " (-Dsynthray.bench.dir=...)");
        }

        sha256Ceiling();
        rawGrpc(1024, 3);
        oneGibUpdate(dir, Integer.getInteger("synthray.bench.repeats", 2));
        bigModel(dir, (long) (bigGib * GIB));

        report("loadavg at end %.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Path out = Path.of("target", "blob-benchmark.txt");
        Files.write(out, lines);
        System.out.println("[bench] written to " + out.toAbsolutePath());
    }

    // ------------------------------------------------------------------------------ SHA-256 ceiling

    private void sha256Ceiling() {
        byte[] b = new byte[(int) MIB];
        fill(ByteBuffer.wrap(b), 1);
        MessageDigest md = Sha256.newDigest();
        double best = 0;
        double bestCpu = 0;
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int r = 0; r < 3; r++) {
            long c = mx.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            for (int i = 0; i < 1024; i++) {
                md.update(b);
            }
            md.digest();
            best = Math.max(best, gbps(GIB, System.nanoTime() - t));
            bestCpu = Math.max(bestCpu, gbps(GIB, mx.getCurrentThreadCpuTime() - c));
        }
        report("SHA-256 of 1 GiB in memory, one thread: %.2f GB/s wall, %.2f GB per CPU-second (best of 3)", best, bestCpu);
    }

    // ------------------------------------------------------------------------------- raw grpc-java

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                if (stream instanceof io.grpc.KnownLength) { // one exact-size array, as the blob service parses
                    byte[] b = new byte[stream.available()];
                    stream.readNBytes(b, 0, b.length);
                    return b;
                }
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    private static final MethodDescriptor<byte[], byte[]> SINK = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
            .setFullMethodName("synthray.bench.Raw/Sink")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    /** Client streaming of {@code messages} × 1 MiB to a plain grpc-java server that only counts them. */
    private void rawGrpc(int messages, int repeats) throws Exception {
        AtomicLong received = new AtomicLong();
        ServerServiceDefinition sink = ServerServiceDefinition.builder("synthray.bench.Raw")
                .addMethod(SINK, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        received.addAndGet(value.length);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext(new byte[0]);
                        out.onCompleted();
                    }
                })).build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(sink)
                .maxInboundMessageSize(16 << 20).build().start();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            byte[] msg = new byte[(int) MIB];
            fill(ByteBuffer.wrap(msg), 2);
            List<Double> results = new ArrayList<>();
            List<Double> cpus = new ArrayList<>();
            for (int r = 0; r < repeats + 1; r++) { // the first run warms up
                received.set(0);
                long cpu0 = processCpuNanos();
                CountDownLatch done = new CountDownLatch(1);
                Object ready = new Object();
                ClientCallStreamObserver<byte[]>[] req = newHolder();
                long t = System.nanoTime();
                ClientCalls.asyncClientStreamingCall(ch.newCall(SINK, CallOptions.DEFAULT),
                        new ClientResponseObserver<byte[], byte[]>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<byte[]> r) {
                                req[0] = r;
                                r.setOnReadyHandler(() -> {
                                    synchronized (ready) {
                                        ready.notifyAll();
                                    }
                                });
                            }

                            @Override
                            public void onNext(byte[] value) {
                            }

                            @Override
                            public void onError(Throwable e) {
                                done.countDown();
                            }

                            @Override
                            public void onCompleted() {
                                done.countDown();
                            }
                        });
                for (int i = 0; i < messages; i++) {
                    synchronized (ready) {
                        while (!req[0].isReady()) {
                            ready.wait(10);
                        }
                    }
                    req[0].onNext(msg);
                }
                req[0].onCompleted();
                done.await(5, TimeUnit.MINUTES);
                long ns = System.nanoTime() - t;
                if (received.get() != (long) messages * MIB) {
                    throw new IllegalStateException("raw sink got " + received.get());
                }
                if (r > 0) {
                    results.add(gbps(received.get(), ns));
                    cpus.add((processCpuNanos() - cpu0) / 1e9 / (received.get() / (double) GIB));
                }
            }
            report("raw grpc-java client streaming, %d x 1 MiB messages, loopback: %s GB/s", messages, list(results));
            report("  CPU per GiB, client + server together: %s s", cpuList(cpus));
        } finally {
            ch.shutdownNow();
            server.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> ClientCallStreamObserver<T>[] newHolder() {
        return new ClientCallStreamObserver[1];
    }

    // ------------------------------------------------------------------------------- 1 GiB update

    private void oneGibUpdate(Path dir, int repeats) throws Exception {
        Weights update = model(GIB, 4, 3);
        Path file = dir.resolve("update.npz");
        long t0 = System.nanoTime();
        BlobRef ref = WeightsBlobs.write(update, file);
        long tWrite = System.nanoTime() - t0;
        report("1 GiB update: %d bytes of .npz written and hashed in one pass in %.2f s (%.2f GB/s)",
                ref.size(), tWrite / 1e9, gbps(ref.size(), tWrite));
        update = null;

        for (String mib : System.getProperty("synthray.bench.chunks-mib", "1,2,4").split(",")) {
            int chunk = Integer.parseInt(mib.trim()) << 20;
            List<Double> up = new ArrayList<>();
            List<Double> down = new ArrayList<>();
            List<Double> upCpu = new ArrayList<>();
            List<Double> ioCpu = new ArrayList<>();
            List<Double> completeS = new ArrayList<>();
            BlobClient.Options o = BlobClient.Options.of("127.0.0.1", port, "bench-site").withChunkBytes(chunk);
            for (int r = 0; r < repeats + 1; r++) { // the first run warms up
                store.delete(ref.sha256());
                try (BlobClient client = new BlobClient(o)) {
                    long cpu0 = processCpuNanos();
                    long io0 = threadCpuNanos("blob-io-");
                    long c0 = service.counters().completeNanos();
                    long t = System.nanoTime();
                    BlobClient.UploadResult u = client.upload(BlobSource.of(file, ref));
                    long ns = System.nanoTime() - t;
                    long complete = service.counters().completeNanos() - c0;
                    long cpu = processCpuNanos() - cpu0;
                    long io = threadCpuNanos("blob-io-") - io0;
                    if (u.deduplicated() || u.bytesSent() != ref.size() || !store.exists(ref.sha256())) {
                        throw new IllegalStateException("upload did not store the blob: " + u);
                    }
                    Path back = dir.resolve("download.npz");
                    Files.deleteIfExists(back);
                    t = System.nanoTime();
                    client.download(ref, back);
                    long dns = System.nanoTime() - t;
                    Files.delete(back);
                    if (r > 0) {
                        up.add(gbps(ref.size(), ns));
                        down.add(gbps(ref.size(), dns));
                        upCpu.add(cpu / 1e9 / (ref.size() / (double) GIB));
                        completeS.add(complete / 1e9);
                        ioCpu.add(io / 1e9 / (ref.size() / (double) GIB));
                    }
                }
            }
            report("1 GiB update, agent -> coordinator through the blob service (%d MiB chunks, stored + SHA-256 verified): %s GB/s",
                    chunk >> 20, list(up));
            report("  CPU per GiB uploaded, agent + coordinator together: %s s; of it on the coordinator's blob-io thread "
                    + "(disk write + SHA-256, one thread per upload): %s s", cpuList(upCpu), cpuList(ioCpu));
            report("  of the wall time, completing (final force to disk, rename): %s s", cpuList(completeS));
            report("1 GiB model, coordinator -> agent download (%d MiB chunks, written to disk + SHA-256 verified): %s GB/s",
                    chunk >> 20, list(down));
        }
        store.delete(ref.sha256());
        Files.delete(file);
    }

    // -------------------------------------------------------------------------- model over 2 GiB

    private void bigModel(Path dir, long bytes) throws Exception {
        Weights model = model(bytes, 3, 5);
        String modelHash = model.sha256();
        Path file = dir.resolve("big.npz");
        long t = System.nanoTime();
        BlobRef ref = WeightsBlobs.write(model, file);
        long tWrite = System.nanoTime() - t;
        try (BlobClient client = new BlobClient(BlobClient.Options.of("127.0.0.1", port, "bench-site"))) {
            store.delete(ref.sha256());
            long c0 = service.counters().completeNanos();
            t = System.nanoTime();
            BlobClient.UploadResult u = client.upload(BlobSource.of(file, ref));
            long tUp = System.nanoTime() - t;
            long tComplete = service.counters().completeNanos() - c0;

            t = System.nanoTime();
            Path stored = store.localFile(ref.sha256()).orElseThrow();
            Weights back = WeightsBlobs.map(stored, null);
            long tMap = System.nanoTime() - t;
            boolean direct = back.tensors().stream().allMatch(x -> x.data().isDirect());

            t = System.nanoTime();
            BlobRef rehash = Sha256.of(stored);
            String backHash = back.sha256();
            boolean equal = back.contentEquals(model);
            long tCheck = System.nanoTime() - t;

            report("model over 2 GiB: %d tensors, %.2f GiB of .npz (sha256 %s)", model.size(), ref.size() / (double) GIB,
                    ref.shortName());
            report("  write .npz + hash: %.2f s (%.2f GB/s)", tWrite / 1e9, gbps(ref.size(), tWrite));
            report("  upload through the blob service: %.2f s (%.2f GB/s), %d bytes sent, stored: %s; completing "
                    + "(final force to disk, rename) %.2f s of it", tUp / 1e9, gbps(ref.size(), tUp), u.bytesSent(),
                    store.exists(ref.sha256()), tComplete / 1e9);
            report("  mapped read back: %.3f s, all tensors direct (no heap copy): %s, heap used %d MiB",
                    tMap / 1e9, direct, (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
            report("  checks: blob SHA-256 of the stored file matches: %s; Weights.sha256 matches: %s; tensors equal: %s (%.2f s)",
                    rehash.equals(ref), backHash.equals(modelHash), equal, tCheck / 1e9);
            if (!rehash.equals(ref) || !backHash.equals(modelHash) || !equal || !direct) {
                throw new IllegalStateException("model over 2 GiB did not survive the round trip");
            }
        } finally {
            store.delete(ref.sha256());
            Files.deleteIfExists(file);
        }
    }

    // ----------------------------------------------------------------------------------- helpers

    /** A float32 model of about {@code bytes} bytes in {@code tensors} tensors, data off the heap. */
    static Weights model(long bytes, int tensors, long seed) {
        List<Tensor> ts = new ArrayList<>();
        long per = bytes / tensors / 4 / 1024 * 1024; // floats per tensor, a multiple of 1024
        for (int i = 0; i < tensors; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(per * 4)).order(ByteOrder.LITTLE_ENDIAN);
            fill(b, seed + i);
            ts.add(new Tensor("block" + i + "/weight", DType.FLOAT32, new int[] {(int) (per / 1024), 1024}, b));
        }
        return new Weights(ts);
    }

    /** Pseudo-random bytes (xorshift), fast enough to make gigabytes. */
    static void fill(ByteBuffer b, long seed) {
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        ByteBuffer l = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        while (l.remaining() >= 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            l.putLong(x & 0x3FFFFFFF3FFFFFFFL); // finite floats
        }
    }

    private static String cpuList(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        return sb + String.format(Locale.ROOT, " (lowest %.2f)",
                values.stream().mapToDouble(Double::doubleValue).min().orElse(0));
    }

    private static String list(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
        }
        double best = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return sb + String.format(Locale.ROOT, " (best %.2f)", best);
    }

    /** CPU time of this whole process (client and server share it). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time of the live threads whose name starts with {@code prefix}. */
    private static long threadCpuNanos(String prefix) {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti != null && ti.getThreadName().startsWith(prefix)) {
                long c = mx.getThreadCpuTime(ti.getThreadId());
                if (c > 0) {
                    sum += c;
                }
            }
        }
        return sum;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown CPU";
    }
}
