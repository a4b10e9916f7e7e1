package org.synthray.coordinator.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.flower.Scalars;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/** Runs through the REST API, with real agents over gRPC and a real PostgreSQL behind. */
@QuarkusTest
class RunLifecycleTest {

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    static Weights model() {
        return Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 1, 2, 3, 4), Tensor.ofFloats("b", new int[] {2}, 0.5f, -0.5f));
    }

    static byte[] npz(Weights w) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npz.write(w, out);
        return out.toByteArray();
    }

    private Future<FlowerConnection.Outcome> agent(String site, String run, ArithmeticTrainer trainer) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer), FlowerConnection.Options.of("127.0.0.1", grpcPort, site)
                .withRun(run).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 100));
        return pool.submit(c::run);
    }

    private static JsonPath awaitState(String id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            JsonPath run = given().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
            if (state.equals(run.getString("run.state"))) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not reach " + state + ": " + given().get("/api/runs/" + id).asString());
    }

    @Test
    void invalidSpecsAreRefusedWithTheReason() {
        given().contentType(ContentType.JSON).body("{\"rounds\": -1, \"min_sites\": 0}").post("/api/runs")
                .then().statusCode(400)
                .body("error", containsString("rounds must be between 1 and 100000, got -1"))
                .body("error", containsString("min_sites must be between 1 and 100000, got 0"));
        given().contentType(ContentType.JSON).body("{\"roundz\": 3}").post("/api/runs")
                .then().statusCode(400).body("error", containsString("unknown field 'roundz'"));
        given().contentType(ContentType.JSON).body("{\"strategy\": {\"name\": \"fedmagic\"}}").post("/api/runs")
                .then().statusCode(400).body("error", containsString("unknown strategy 'fedmagic'"));
        given().contentType(ContentType.JSON).body("{\"strategy\": {\"name\": \"fedprox\", \"params\": {\"mu\": 1}}}").post("/api/runs")
                .then().statusCode(400).body("error", containsString("unknown parameter 'strategy.params.mu' for fedprox (known: proximal_mu)"));
        given().contentType(ContentType.JSON).body("{\"initial_model\": \"" + "ab".repeat(32) + "\"}").post("/api/runs")
                .then().statusCode(400).body("error", containsString("is not stored; upload it first"));
        given().contentType(ContentType.JSON).body("{\"rounds\": 3,").post("/api/runs")
                .then().statusCode(400).body("error", containsString("not valid JSON"));
        given().get("/api/runs/run-nope").then().statusCode(404).body("error", equalTo("no run run-nope"));
        given().contentType("application/octet-stream").body(new byte[] {1, 2, 3}).post("/api/models")
                .then().statusCode(400).body("error", containsString("not a usable .npz"));
    }

    /** Inputs that once gave 500s or were silently changed: each is a 400 with its reason. */
    @Test
    void hostileInputsAreRefusedWithTheReason() throws Exception {
        given().contentType(ContentType.JSON).body("{\"rounds\": 2.5}").post("/api/runs")
                .then().statusCode(400).body("error", containsString("field 'rounds' has the wrong type"));
        String bigConfig = "{\"config\": {\"x\": \"" + "a".repeat(10 << 20) + "\"}}";
        given().contentType(ContentType.JSON).body(bigConfig).post("/api/runs")
                .then().statusCode(400).body("error", containsString("longer than the 65536 accepted"));
        given().queryParam("to", "+999999999-12-31").get("/api/released-sets")
                .then().statusCode(400).body("error", containsString("between 0001-01-01 and 9999-12-31"));
        // An .npz whose entry's header nests 200,000 parentheses (once a StackOverflowError and a 500).
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(200_000) + ")".repeat(200_000) + ", }";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.io.ByteArrayOutputStream npz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(npz)) {
            zip.putNextEntry(new java.util.zip.ZipEntry("w.npy"));
            zip.write(java.nio.ByteBuffer.allocate(12 + h.length).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length).put(h).array());
            zip.closeEntry();
        }
        given().contentType("application/octet-stream").body(npz.toByteArray()).post("/api/models")
                .then().statusCode(400).body("error", containsString("longer than"));
    }

    @Test
    void aRunFromSpecToCompletionIsRecorded() throws Exception {
        byte[] initial = npz(model());
        String modelSha = given().contentType("application/octet-stream").body(initial).post("/api/models")
                .then().statusCode(201).body("tensors", equalTo(2)).extract().path("sha256");
        assertEquals(model().modelId(), modelSha);
        assertArrayEquals(initial, given().get("/api/models/" + modelSha).then().statusCode(200).extract().asByteArray());

        String spec = """
                {"name": "lifecycle", "model": "probe", "initial_model": "%s", "rounds": 2,
                 "strategy": {"name": "fedprox", "params": {"proximal_mu": 0.1}},
                 "min_sites": 2, "round_timeout_s": 30, "learning_rate": 0.01, "local_epochs": 2,
                 "config": {"batch_size": 8}}
                """.formatted(modelSha);
        String id = given().contentType(ContentType.JSON).body(spec).post("/api/runs")
                .then().statusCode(201).body("state", equalTo("CREATED")).extract().path("id");
        ArithmeticTrainer a = new ArithmeticTrainer(model(), 1.0, 1.0, 30);
        ArithmeticTrainer b = new ArithmeticTrainer(model(), 1.0, -1.0, 10);
        Future<FlowerConnection.Outcome> agentA = agent("hospital-a", id, a);
        Future<FlowerConnection.Outcome> agentB = agent("hospital-b", id, b);
        given().post("/api/runs/" + id + "/start").then().statusCode(200).body("state", equalTo("RUNNING"));

        JsonPath done = awaitState(id, "COMPLETED");
        assertEquals(2, done.getInt("run.lastCompletedRound"));
        assertEquals(List.of("COMPLETED", "COMPLETED"), done.getList("rounds.outcome"));
        assertEquals(1, agentA.get(30, TimeUnit.SECONDS).sessions(), "agents were told the run ended");
        agentB.get(30, TimeUnit.SECONDS);

        // The sites saw the spec's config and the strategy's proximal term.
        var config = a.fitConfigs.get(0);
        assertEquals(0.1, Scalars.getDouble(config, "proximal_mu", 0), 0);
        assertEquals(0.01, Scalars.getDouble(config, "lr", 0), 0);
        assertEquals(2, Scalars.getLong(config, "local_epochs", 0));
        assertEquals(8, Scalars.getLong(config, "batch_size", 0));
        assertEquals("probe", Scalars.getString(config, "model_config", null));

        // Lineage: round 1's model came from the initial model, round 2's from round 1's, each from two updates.
        JsonPath r1 = given().get("/api/runs/" + id + "/rounds/1").then().statusCode(200).extract().jsonPath();
        JsonPath r2 = given().get("/api/runs/" + id + "/rounds/2").then().statusCode(200).extract().jsonPath();
        assertEquals(modelSha, r1.getString("parentModel"));
        assertEquals(r1.getString("model"), r2.getString("parentModel"));
        assertEquals(done.getString("run.globalModel"), r2.getString("model"));
        assertEquals(List.of(30, 10), r1.getList("updates.numExamples").stream().map(o -> ((Number) o).intValue()).sorted((x, y) -> y - x).toList());
        assertEquals(4, r1.getList("sites").size(), "fit and evaluate for each site");
        assertTrue(r1.getList("sites.outcome").stream().allMatch("ACCEPTED"::equals));
        // The final model is downloadable and is the weighted average: w + (30*1 + 10*(-1))/40 per round.
        Weights fin = Npz.read(new java.io.ByteArrayInputStream(given().get("/api/models/" + done.getString("run.globalModel"))
                .then().statusCode(200).extract().asByteArray()));
        assertEquals(1 + 2 * 0.5, fin.get("w").getDouble(0), 1e-6);

        given().post("/api/runs/" + id + "/start").then().statusCode(409).body("error", containsString("only a CREATED run can be started"));
        given().post("/api/runs/" + id + "/cancel").then().statusCode(409).body("error", containsString("has already ended"));

        // An agent that comes back for the ended run is told to leave at once.
        assertEquals(1, agent("hospital-a", id, a).get(30, TimeUnit.SECONDS).sessions());

        // The admin command line shows what each site sent in each round: weights, example counts, losses.
        java.io.StringWriter shown = new java.io.StringWriter();
        var cli = org.synthray.coordinator.cli.AdminCli.newCommandLine();
        cli.setOut(new java.io.PrintWriter(shown));
        assertEquals(0, cli.execute("--url=http://127.0.0.1:" + httpPort, "runs", "show", id));
        String out = shown.toString();
        for (String update : r1.getList("updates.updateSha256", String.class)) {
            assertTrue(out.contains("weights " + update.substring(0, 12)), out);
        }
        assertTrue(out.contains("hospital-a") && out.contains("hospital-b"), out);
        assertTrue(out.contains(", 30 examples, train loss ") && out.contains(", 10 examples, train loss "), out);
        assertTrue(out.contains("evaluate on 30 examples, val loss") || out.contains("evaluate on 10 examples, val loss"), out);

        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("synthray_rounds_total{outcome=\"completed\",run=\"" + id + "\"} 2.0"), metrics.lines()
                .filter(l -> l.contains("synthray")).toList().toString());
    }

    @Test
    void aRunningRunCanBeCancelled() throws Exception {
        String id = given().contentType(ContentType.JSON).body("{\"name\": \"never\", \"min_sites\": 5, \"rounds\": 3}")
                .post("/api/runs").then().statusCode(201).extract().path("id");
        given().post("/api/runs/" + id + "/start").then().statusCode(200);
        given().post("/api/runs/" + id + "/cancel").then().statusCode(200);
        JsonPath run = awaitState(id, "CANCELLED");
        assertEquals(0, run.getInt("run.lastCompletedRound"));

        String created = given().contentType(ContentType.JSON).body("{}").post("/api/runs").then().statusCode(201).extract().path("id");
        given().post("/api/runs/" + created + "/cancel").then().statusCode(200).body("state", equalTo("CANCELLED"));
        given().get("/api/runs").then().statusCode(200).body("find { it.id == '" + created + "' }.state", equalTo("CANCELLED"));
    }

    @Test
    void aFailedRoundIsRetriedAndBothAttemptsAreRecorded() throws Exception {
        String id = given().contentType(ContentType.JSON).body(("{\"name\": \"retry\", \"rounds\": 1, \"min_sites\": 2, "
                + "\"round_retries\": 1, \"round_timeout_s\": 30, \"initial_model\": \"%s\"}").formatted(upload(model())))
                .post("/api/runs").then().statusCode(201).extract().path("id");
        ArithmeticTrainer good = new ArithmeticTrainer(model(), 1.0, 1.0, 10);
        ArithmeticTrainer flaky = new ArithmeticTrainer(model(), 1.0, 1.0, 10);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        org.synthray.agent.flower.LocalTrainer failsOnce = new org.synthray.agent.flower.LocalTrainer() {
            @Override
            public Weights initialWeights() {
                return flaky.initialWeights();
            }

            @Override
            public FitResult fit(Weights global, Map<String, org.synthray.flower.proto.Scalar> config) {
                if (calls.incrementAndGet() == 1) {
                    throw new IllegalStateException("GPU out of memory");
                }
                return flaky.fit(global, config);
            }

            @Override
            public EvaluateResult evaluate(Weights global, Map<String, org.synthray.flower.proto.Scalar> config) {
                return flaky.evaluate(global, config);
            }
        };
        agent("site-good", id, good);
        pool.submit(new FlowerConnection(new FlowerClient(failsOnce), FlowerConnection.Options.of("127.0.0.1", grpcPort, "site-flaky")
                .withRun(id).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 100))::run);
        given().post("/api/runs/" + id + "/start").then().statusCode(200);

        JsonPath done = awaitState(id, "COMPLETED");
        assertEquals(List.of("FAILED", "COMPLETED"), done.getList("rounds.outcome"));
        assertEquals(List.of(1, 2), done.getList("rounds.attempt"));
        JsonPath r1 = given().get("/api/runs/" + id + "/rounds/1").then().statusCode(200).extract().jsonPath();
        assertTrue(r1.getList("sites.reason").stream().anyMatch(r -> r != null && r.toString().contains("GPU out of memory")),
                r1.prettify());
    }

    @Test
    void aLateUpdateIsDiscardedAndRecorded() throws Exception {
        String id = given().contentType(ContentType.JSON).body(("{\"name\": \"straggler\", \"rounds\": 1, \"min_sites\": 2, "
                + "\"round_timeout_s\": 1, \"round_retries\": 0, \"initial_model\": \"%s\"}").formatted(upload(model())))
                .post("/api/runs").then().statusCode(201).extract().path("id");
        agent("site-fast", id, new ArithmeticTrainer(model(), 1.0, 1.0, 10));
        agent("site-slow", id, new ArithmeticTrainer(model(), 1.0, 100.0, 10).slow(2500));
        given().post("/api/runs/" + id + "/start").then().statusCode(200);

        // Two valid updates were required: with the straggler dropped at the timeout, the round fails.
        JsonPath done = awaitState(id, "FAILED");
        assertTrue(done.getString("run.failureReason").contains("only 1 valid update(s), 2 required"), done.prettify());
        // The straggler's reply still arrives, is discarded, and is recorded as late.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonPath r1;
        do {
            Thread.sleep(200);
            r1 = given().get("/api/runs/" + id + "/rounds/1").then().statusCode(200).extract().jsonPath();
        } while (!r1.getList("sites.outcome").contains("LATE") && System.nanoTime() < deadline);
        assertTrue(r1.getList("sites.outcome").contains("LATE"), r1.prettify());
        assertTrue(r1.prettify().contains("no reply within the round timeout"), r1.prettify());
        assertEquals(null, r1.getString("model"), "a failed round makes no model");
    }

    private static String upload(Weights w) throws Exception {
        return given().contentType("application/octet-stream").body(npz(w)).post("/api/models")
                .then().statusCode(201).extract().path("sha256");
    }

    @Test
    void openApiDescribesTheRunsApi() {
        given().get("/q/openapi?format=json").then().statusCode(200).body(containsString("/api/runs/{id}/start"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Map<?, ?> ignored = Map.of();
    }
}
