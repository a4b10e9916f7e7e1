package org.synthray.coordinator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.FlowerServiceGrpc;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Coordinator cost benchmark (not a test): starts the packaged coordinator as its own process and
 * drives it with echo clients that answer instantly, so what is measured is the coordinator.
 *
 * <pre>
 * ./mvnw -q -DskipTests install
 * ./mvnw -q -pl coordinator exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.synthray.coordinator.bench.FederationBench -Dexec.args="all"
 * </pre>
 * Scenarios: {@code rounds} (200 clients, 1 MiB model), {@code memory} (8 sites, 100 MiB model),
 * {@code idle} (2,000 idle Join streams), {@code all}.
 */
public final class FederationBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "all";
        Path jar = Path.of(System.getProperty("synthray.coordinator.jar", "coordinator/target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            jar = Path.of("target/quarkus-app/quarkus-run.jar");
        }
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s; coordinator %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("java.version"), jar);
        if (which.equals("rounds") || which.equals("all")) {
            rounds(jar, 200, 262_144, 10);
        }
        if (which.equals("memory") || which.equals("all")) {
            memory(jar, 8, 26_214_400, 2);
        }
        if (which.equals("memory-blobs") || which.equals("all")) {
            memoryWithBlobs(jar, 8, 26_214_400, 2);
        }
        if (which.equals("idle") || which.equals("all")) {
            idle(jar, 2000);
        }
        System.exit(0);
    }

    /** Coordinator CPU per client per round and round overhead with instant clients. */
    static void rounds(Path jar, int clients, int floats, int rounds) throws Exception {
        try (Coordinator c = Coordinator.start(jar, "-Xmx1g")) {
            String run = c.createRun(model(floats), rounds, clients);
            List<ManagedChannel> channels = echoClients(c.grpcPort, run, clients);
            try {
                c.post("/api/runs/" + run + "/start");
                JsonNode first = c.awaitRound(run, 1);
                long cpu0 = c.cpuNanos();
                long wall0 = System.nanoTime();
                JsonNode done = c.awaitRound(run, rounds);
                long cpu = c.cpuNanos() - cpu0;
                double wall = (System.nanoTime() - wall0) / 1e9;
                long sumMs = 0;
                for (JsonNode r : done.get("rounds")) {
                    if (r.get("round").asInt() > 1) {
                        sumMs += r.get("durationMs").asLong();
                    }
                }
                int measured = rounds - 1;
                System.out.printf(Locale.ROOT, "rounds: %d clients, %.2f MiB model, %d rounds measured after warm-up%n",
                        clients, floats * 4 / 1048576.0, measured);
                System.out.printf(Locale.ROOT, "  coordinator CPU per client per round: %.3f ms%n", cpu / 1e6 / clients / measured);
                System.out.printf(Locale.ROOT, "  round time (fit + evaluate, clients answer instantly): %.1f ms mean%n", (double) sumMs / measured);
                System.out.printf(Locale.ROOT, "  wall %.2f s, coordinator peak RSS %.0f MiB%n", wall, c.peakRssMiB());
                if (first == null) {
                    throw new IllegalStateException("no first round");
                }
            } finally {
                channels.forEach(ManagedChannel::shutdownNow);
            }
        }
    }

    /** Coordinator peak memory with a large model. */
    static void memory(Path jar, int sites, int floats, int rounds) throws Exception {
        try (Coordinator c = Coordinator.start(jar, "-Xmx3g")) {
            String run = c.createRun(model(floats), rounds, sites);
            List<ManagedChannel> channels = echoClients(c.grpcPort, run, sites);
            try {
                c.post("/api/runs/" + run + "/start");
                c.awaitRound(run, rounds);
                System.out.printf(Locale.ROOT, "memory: %d sites, %.0f MiB model, %d rounds: coordinator peak RSS %.0f MiB%n",
                        sites, floats * 4 / 1048576.0, rounds, c.peakRssMiB());
            } finally {
                channels.forEach(ManagedChannel::shutdownNow);
            }
        }
    }

    /**
     * The same with the blob threshold at 64 MiB, a 512 MiB heap cap, and real SynthRay agents
     * (FlowerClient with blob transfer, a pass-through trainer) in this JVM.
     */
    static void memoryWithBlobs(Path jar, int sites, int floats, int rounds) throws Exception {
        try (Coordinator c = Coordinator.start(jar, "-Xmx512m", "-Dsynthray.blobs.threshold-bytes=67108864")) {
            Weights model = model(floats);
            String run = c.createRun(model, rounds, sites);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool();
            List<org.synthray.agent.blob.BlobClient> clients = new ArrayList<>();
            Path work = Files.createTempDirectory("synthray-bench-agents-");
            try {
                for (int i = 0; i < sites; i++) {
                    String site = "bench-" + i;
                    var blobs = new org.synthray.agent.blob.BlobClient(org.synthray.agent.blob.BlobClient.Options.of("127.0.0.1", c.grpcPort, site));
                    clients.add(blobs);
                    var trainer = new org.synthray.agent.flower.ArithmeticTrainer(model, 1.0, 0.0, 1);
                    var conn = new org.synthray.agent.flower.FlowerConnection(new org.synthray.agent.flower.FlowerClient(trainer,
                            new org.synthray.agent.blob.ModelTransfer(blobs, work.resolve(site))),
                            org.synthray.agent.flower.FlowerConnection.Options.of("127.0.0.1", c.grpcPort, site).withRun(run));
                    pool.submit(conn::run);
                }
                c.post("/api/runs/" + run + "/start");
                long t0 = System.nanoTime();
                c.awaitRound(run, rounds);
                System.out.printf(Locale.ROOT, "memory (blobs above 64 MiB, -Xmx512m): %d sites, %.0f MiB model, %d rounds in %.1f s: coordinator peak RSS %.0f MiB%n",
                        sites, floats * 4 / 1048576.0, rounds, (System.nanoTime() - t0) / 1e9, c.peakRssMiB());
            } finally {
                pool.shutdownNow();
                clients.forEach(org.synthray.agent.blob.BlobClient::close);
            }
        }
    }

    /** Idle Join streams held by the coordinator. */
    static void idle(Path jar, int streams) throws Exception {
        try (Coordinator c = Coordinator.start(jar, "-Xmx1g")) {
            double before = c.rssMiB();
            List<ManagedChannel> channels = echoClients(c.grpcPort, "run-idle", streams);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                int connected = 0;
                while (System.nanoTime() < deadline && connected < streams) {
                    connected = c.connectedClients();
                    Thread.sleep(200);
                }
                System.out.printf(Locale.ROOT, "idle: %d of %d Join streams held; coordinator RSS %.0f MiB (%.0f MiB before), %.1f KiB per stream%n",
                        connected, streams, c.rssMiB(), before, (c.rssMiB() - before) * 1024 / Math.max(1, connected));
            } finally {
                channels.forEach(ManagedChannel::shutdownNow);
            }
        }
    }

    static Weights model(int floats) {
        float[] v = new float[floats];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 1000) / 1000f;
        }
        return Weights.of(Tensor.ofFloats("w", new int[] {floats}, v));
    }

    /** Clients that answer every instruction at once: FitRes echoes the weights, EvaluateRes a constant loss. */
    static List<ManagedChannel> echoClients(int port, String run, int n) {
        List<ManagedChannel> channels = new ArrayList<>();
        int perChannel = Math.max(1, n / 50);
        ManagedChannel ch = null;
        for (int i = 0; i < n; i++) {
            if (i % perChannel == 0) {
                ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(Integer.MAX_VALUE).build();
                channels.add(ch);
            }
            Metadata h = new Metadata();
            h.put(Metadata.Key.of("synthray-site-id", Metadata.ASCII_STRING_MARSHALLER), "bench-" + i);
            h.put(Metadata.Key.of("synthray-run-id", Metadata.ASCII_STRING_MARSHALLER), run);
            StreamObserver<ClientMessage>[] out = new StreamObserver[1];
            out[0] = FlowerServiceGrpc.newStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h))
                    .join(new StreamObserver<>() {
                        @Override
                        public void onNext(ServerMessage m) {
                            synchronized (out) {
                                if (m.hasFitIns()) {
                                    out[0].onNext(ClientMessage.newBuilder().setFitRes(ClientMessage.FitRes.newBuilder()
                                            .setParameters(m.getFitIns().getParameters()).setNumExamples(1)).build());
                                } else if (m.hasEvaluateIns()) {
                                    out[0].onNext(ClientMessage.newBuilder().setEvaluateRes(ClientMessage.EvaluateRes.newBuilder()
                                            .setLoss(0.5f).setNumExamples(1)).build());
                                } else if (m.hasReconnectIns()) {
                                    out[0].onCompleted();
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
        }
        return channels;
    }

    /** The packaged coordinator in its own process, on free ports and a temporary data dir. */
    static final class Coordinator implements AutoCloseable {
        final Process process;
        final int httpPort;
        final int grpcPort;
        final Path dir;

        private Coordinator(Process p, int http, int grpc, Path dir) {
            this.process = p;
            this.httpPort = http;
            this.grpcPort = grpc;
            this.dir = dir;
        }

        static Coordinator start(Path jar, String xmx, String... jvmOptions) throws Exception {
            int http = freePort();
            int grpc = freePort();
            Path dir = Files.createTempDirectory("synthray-bench-");
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>(List.of(java, xmx));
            cmd.addAll(List.of(jvmOptions));
            String extra = System.getenv("SYNTHRAY_BENCH_JVM_OPTS");
            if (extra != null && !extra.isBlank()) {
                cmd.addAll(List.of(extra.trim().split("\\s+")));
            }
            cmd.addAll(List.of("-Dquarkus.http.port=" + http, "-Dquarkus.grpc.server.port=" + grpc,
                    "-Dsynthray.data-dir=" + dir, "-Dquarkus.log.category.\"org.synthray\".level=WARN", "-jar", jar.toString()));
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("coordinator.log").toFile()).start();
            Coordinator c = new Coordinator(p, http, grpc, dir);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                try {
                    if (HTTP.send(HttpRequest.newBuilder(URI.create(c.url("/q/health/ready"))).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return c;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("coordinator did not start; see " + dir.resolve("coordinator.log"));
        }

        String url(String path) {
            return "http://127.0.0.1:" + httpPort + path;
        }

        String createRun(Weights initial, int rounds, int sites) throws Exception {
            ByteArrayOutputStream npz = new ByteArrayOutputStream();
            Npz.write(initial, npz);
            String sha = JSON.readTree(send("POST", "/api/models", npz.toByteArray(), "application/octet-stream")).get("sha256").asText();
            String spec = "{\"name\":\"bench\",\"initial_model\":\"" + sha + "\",\"rounds\":" + rounds + ",\"min_sites\":" + sites
                    + ",\"round_timeout_s\":600,\"join_timeout_s\":600}";
            return JSON.readTree(send("POST", "/api/runs", spec.getBytes(), "application/json")).get("id").asText();
        }

        void post(String path) throws Exception {
            send("POST", path, new byte[0], "application/json");
        }

        JsonNode awaitRound(String run, int round) throws Exception {
            while (true) {
                JsonNode d = JSON.readTree(send("GET", "/api/runs/" + run, null, null));
                if (d.get("run").get("lastCompletedRound").asInt() >= round) {
                    return d;
                }
                String state = d.get("run").get("state").asText();
                if (!state.equals("RUNNING") && !state.equals("CREATED")) {
                    throw new IllegalStateException("run ended: " + d.get("run"));
                }
                Thread.sleep(500); // polling costs the coordinator CPU too: keep it rare
            }
        }

        int connectedClients() throws Exception {
            for (String line : new String(send("GET", "/metrics", null, null)).split("\n")) {
                if (line.startsWith("synthray_connected_clients")) {
                    return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        }

        byte[] send(String method, String path, byte[] body, String type) throws Exception {
            HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url(path)))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            if (type != null) {
                rb.header("Content-Type", type);
            }
            HttpResponse<byte[]> res = HTTP.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + ": " + res.statusCode() + " " + new String(res.body()));
            }
            return res.body();
        }

        /** utime + stime of the coordinator process, from /proc. */
        long cpuNanos() throws IOException {
            String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L; // USER_HZ = 100
        }

        double peakRssMiB() throws IOException {
            return statusKiB("VmHWM:") / 1024.0;
        }

        double rssMiB() throws IOException {
            return statusKiB("VmRSS:") / 1024.0;
        }

        private long statusKiB(String key) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
