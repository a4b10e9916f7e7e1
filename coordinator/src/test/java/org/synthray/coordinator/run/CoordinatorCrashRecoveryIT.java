package org.synthray.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The packaged coordinator, as a separate process on its embedded file database, is killed with
 * SIGKILL in the middle of a run and started again: the run continues from the last completed
 * round with exactly that round's model, and the agents reconnect by themselves.
 */
class CoordinatorCrashRecoveryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Process> processes = new ArrayList<>();
    private int httpPort;
    private int grpcPort;
    private Path dataDir;
    private Path logFile;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        pool.shutdownNow();
    }

    @Test
    void runResumesAfterSigkillFromTheLastCompletedRound() throws Exception {
        httpPort = freePort();
        grpcPort = freePort();
        dataDir = Files.createTempDirectory("synthray-crash-");
        logFile = dataDir.resolve("coordinator.log");

        Process first = startCoordinator();
        Weights initial = Weights.of(Tensor.ofFloats("w", new int[] {3}, 1, 2, 3));
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        Npz.write(initial, npz);
        String modelSha = JSON.readTree(send("POST", "/api/models", npz.toByteArray(), "application/octet-stream", 201))
                .get("sha256").asText();
        // FedAdam keeps server moments across rounds: the resumed run must restore them exactly too.
        String spec = """
                {"name": "crash", "initial_model": "%s", "rounds": 5, "min_sites": 2, "round_timeout_s": 60,
                 "strategy": {"name": "fedadam", "params": {"eta": 0.1}}}
                """.formatted(modelSha);
        String runId = JSON.readTree(send("POST", "/api/runs", spec.getBytes(), "application/json", 201)).get("id").asText();
        send("POST", "/api/runs/" + runId + "/start", new byte[0], "application/json", 200);

        ArithmeticTrainer a = new ArithmeticTrainer(initial, 1.0, 1.0, 3).slow(400);
        ArithmeticTrainer b = new ArithmeticTrainer(initial, 1.0, 3.0, 1).slow(400);
        Future<FlowerConnection.Outcome> agentA = agent("site-a", runId, a);
        Future<FlowerConnection.Outcome> agentB = agent("site-b", runId, b);

        JsonNode beforeKill = awaitRun(runId, r -> r.get("run").get("lastCompletedRound").asInt() >= 2);
        int roundsDone = beforeKill.get("run").get("lastCompletedRound").asInt();
        String modelAtKill = beforeKill.get("run").get("globalModel").asText();
        first.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, first.exitValue(), "killed by SIGKILL");
        assertTrue(roundsDone < 5, "killed in the middle of the run");

        startCoordinator();
        JsonNode done = awaitRun(runId, r -> r.get("run").get("state").asText().equals("COMPLETED"));

        // Exactly one completed attempt per round, and the first round after the restart built on the model at the kill.
        List<Integer> completed = new ArrayList<>();
        done.get("rounds").forEach(r -> {
            if (r.get("outcome").asText().equals("COMPLETED")) {
                completed.add(r.get("round").asInt());
            }
        });
        assertEquals(List.of(1, 2, 3, 4, 5), completed);
        JsonNode resumed = JSON.readTree(send("GET", "/api/runs/" + runId + "/rounds/" + (roundsDone + 1), null, null, 200));
        assertEquals(modelAtKill, resumed.get("parentModel").asText());
        assertTrue(a.receivedModels.contains(modelAtKill), "the sites trained again from the model of the last completed round");

        // The same run without a crash ends with the very same model: no round applied twice, and the
        // server optimiser state (FedAdam's moments) restored exactly.
        String again = JSON.readTree(send("POST", "/api/runs", spec.getBytes(), "application/json", 201)).get("id").asText();
        send("POST", "/api/runs/" + again + "/start", new byte[0], "application/json", 200);
        agent("site-a2", again, new ArithmeticTrainer(initial, 1.0, 1.0, 3));
        agent("site-b2", again, new ArithmeticTrainer(initial, 1.0, 3.0, 1));
        JsonNode uninterrupted = awaitRun(again, r -> r.get("run").get("state").asText().equals("COMPLETED"));
        assertEquals(uninterrupted.get("run").get("globalModel").asText(), done.get("run").get("globalModel").asText(),
                "a crash and resume changes nothing in the result");

        assertTrue(agentA.get(60, TimeUnit.SECONDS).sessions() >= 2, "site A reconnected after the crash");
        assertTrue(agentB.get(60, TimeUnit.SECONDS).sessions() >= 2, "site B reconnected after the crash");
        assertTrue(Files.readString(logFile).contains("resuming after round " + roundsDone));

        // The ledger (in the embedded H2 file) came through the kill intact, and the round redone
        // after it is recorded once: its events were rolled back with it.
        JsonNode verified = JSON.readTree(send("GET", "/api/ledger/verify", null, null, 200));
        assertTrue(verified.get("ok").asBoolean(), verified.toString());
        List<Integer> versionRounds = new java.util.ArrayList<>();
        List<Integer> resumedAfter = new java.util.ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = JSON.readTree(send("GET", "/api/ledger?after=" + after + "&limit=1000", null, null, 200));
            for (JsonNode e : page.get("events")) {
                if (e.get("type").asText().equals("MODEL_VERSION_CREATED") && e.get("payload").get("run").asText().equals(runId)) {
                    versionRounds.add(e.get("payload").get("round").asInt());
                }
                if (e.get("type").asText().equals("RUN_RESUMED") && e.get("payload").get("run").asText().equals(runId)) {
                    resumedAfter.add(e.get("payload").get("rounds_completed").asInt());
                }
            }
            if (page.get("next_after").isNull()) {
                break;
            }
            after = page.get("next_after").asLong();
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), versionRounds);
        assertEquals(List.of(roundsDone), resumedAfter, "one RUN_RESUMED event, naming the rounds already done");
    }

    private Process startCoordinator() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = System.getProperty("synthray.coordinator.jar", "target/quarkus-app/quarkus-run.jar");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m",
                "-Dquarkus.http.port=" + httpPort, "-Dquarkus.grpc.server.port=" + grpcPort,
                "-Dsynthray.data-dir=" + dataDir,
                // Crash recovery, not security: no Keycloak here (the security tests run with one).
                "-Dsynthray.auth.enabled=false", "-jar", jar)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p = pb.start();
        processes.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("coordinator exited: " + Files.readString(logFile));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("coordinator did not start: " + Files.readString(logFile));
    }

    private Future<FlowerConnection.Outcome> agent(String site, String run, ArithmeticTrainer trainer) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer), FlowerConnection.Options.of("127.0.0.1", grpcPort, site)
                .withRun(run).withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1), 0));
        return pool.submit(c::run);
    }

    private JsonNode awaitRun(String id, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            JsonNode run = JSON.readTree(send("GET", "/api/runs/" + id, null, null, 200));
            if (condition.test(run)) {
                return run;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("run " + id + " did not get there: " + new String(send("GET", "/api/runs/" + id, null, null, 200)));
    }

    private byte[] send(String method, String path, byte[] body, String type, int expected) throws Exception {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path));
        rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) {
            rb.header("Content-Type", type);
        }
        HttpResponse<byte[]> res = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(expected, res.statusCode(), method + " " + path + ": " + new String(res.body()));
        return res.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
