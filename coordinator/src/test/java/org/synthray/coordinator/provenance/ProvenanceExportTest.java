package org.synthray.coordinator.provenance;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.ledger.LedgerEvent;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.coordinator.testing.FreePortsResource;
import org.synthray.coordinator.testing.PostgresResource;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * A real federation (three agents over gRPC, PostgreSQL behind), then its provenance: the PROV-JSON
 * export is valid against the W3C submission's schema, and the lineage of the final model reaches
 * exactly the sites whose updates built it. The ledger recorded the run, each update and each version.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(FreePortsResource.class)
class ProvenanceExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Schema provJsonSchema;

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    @Inject
    ClientRegistry clients;

    @Inject
    LedgerService ledger;

    @Inject
    ProvenanceService provenance;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void loadSchema() throws Exception {
        try (InputStream in = ProvenanceExportTest.class.getResourceAsStream("/prov/prov-json-schema.json")) {
            provJsonSchema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in);
        }
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    static List<Error> validate(String json) {
        return provJsonSchema.validate(json, InputFormat.JSON);
    }

    /**
     * A starting model no other test uses: versions are identified by content, and a run elsewhere
     * that started from the same weights with the same arithmetic sites would make the same versions
     * (and rightly appear in their lineage).
     */
    private final Weights model = Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 1, 2, 3, 4),
            Tensor.ofFloats("b", new int[] {2}, 0.5f, (float) (System.nanoTime() % 1_000_000) / 1000f + 7f));

    Weights model() {
        return model;
    }

    private void agent(String site, String run, LocalTrainer trainer) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer), FlowerConnection.Options.of("127.0.0.1", grpcPort, site)
                .withRun(run).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 100));
        pool.submit(c::run);
    }

    /** Answers with NaN weights: every update it sends is rejected. */
    static LocalTrainer poisoned(ArithmeticTrainer base) {
        return new LocalTrainer() {
            @Override
            public Weights initialWeights() {
                return base.initialWeights();
            }

            @Override
            public FitResult fit(Weights global, Map<String, Scalar> config) {
                List<Tensor> out = new ArrayList<>();
                for (Tensor t : global) {
                    double[] v = t.toDoubleArray();
                    v[0] = Double.NaN;
                    out.add(Tensor.fromDoubles(t.name(), t.dtype(), t.shape(), v));
                }
                return new FitResult(new Weights(out), 1000, Map.of());
            }

            @Override
            public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
                return base.evaluate(global, config);
            }
        };
    }

    @Test
    void theLineageOfAModelReachesTheSitesWhoseUpdatesBuiltIt() throws Exception {
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        Npz.write(model(), npz);
        String initial = given().contentType("application/octet-stream").body(npz.toByteArray()).post("/api/models")
                .then().statusCode(201).extract().path("sha256");
        String spec = """
                {"name": "provenance", "initial_model": "%s", "rounds": 2, "min_sites": 2, "round_timeout_s": 30,
                 "strategy": {"name": "fedavg"}}
                """.formatted(initial);
        String run = given().contentType(ContentType.JSON).body(spec).post("/api/runs").then().statusCode(201).extract().path("id");
        long ledgerBefore = ledger.head().seq();

        agent("hospital-a", run, new ArithmeticTrainer(model(), 1.0, 1.0, 30));
        agent("hospital-b", run, new ArithmeticTrainer(model(), 1.0, -1.0, 10));
        agent("hospital-c", run, poisoned(new ArithmeticTrainer(model(), 1.0, 0.0, 5)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (clients.connected(run).size() < 3) {
            assertTrue(System.nanoTime() < deadline, "the three agents did not connect");
            Thread.sleep(50);
        }
        given().post("/api/runs/" + run + "/start").then().statusCode(200);
        JsonPath done = awaitCompleted(run);
        String finalModel = done.getString("run.globalModel");
        JsonPath r1 = given().get("/api/runs/" + run + "/rounds/1").then().statusCode(200).extract().jsonPath();

        String body = given().get("/api/provenance/models/" + finalModel).then().statusCode(200)
                .contentType(ContentType.JSON).extract().asString();
        List<Error> errors = validate(body);
        assertTrue(errors.isEmpty(), errors + "\n" + body);
        JsonNode doc = JSON.readTree(body);

        // Walk back from the final model: derivations, generations and the activities' usages, to the agents.
        String start = ProvenanceService.modelId(finalModel);
        Set<String> reached = reach(doc, start);
        Set<String> sites = new TreeSet<>();
        for (String id : reached) {
            if (doc.path("agent").has(id) && "prov:Organization".equals(doc.path("agent").path(id).path("prov:type").path("$").asText())) {
                sites.add(doc.path("agent").path(id).path("synthray:siteId").asText());
            }
        }
        assertEquals(Set.of("hospital-a", "hospital-b"), sites, "the rejected site built nothing");
        assertTrue(reached.contains(ProvenanceService.modelId(r1.getString("model"))));
        assertTrue(reached.contains(ProvenanceService.modelId(initial)));
        assertTrue(reached.contains(ProvenanceService.roundId(run, 1)) && reached.contains(ProvenanceService.roundId(run, 2)));
        for (String u : r1.getList("updates.updateSha256", String.class)) {
            assertTrue(reached.contains(ProvenanceService.updateId(u)), u);
            assertEquals("prov:Organization", doc.path("agent").path(ProvenanceService.siteId(
                    doc.path("entity").path(ProvenanceService.updateId(u)).path("synthray:site").asText())).path("prov:type").path("$").asText());
        }
        assertEquals(4, count(doc, "entity", ProvenanceService.MODEL_UPDATE), "two accepted updates in each of two rounds");
        assertEquals(3, count(doc, "entity", ProvenanceService.MODEL_VERSION), "initial, round 1, round 2");
        // The uploaded starting model is attributed to the administrator.
        assertTrue(has(doc, "wasAttributedTo", "prov:entity", ProvenanceService.modelId(initial), "prov:agent", ProvenanceService.ADMIN));

        // Round 1's model has a shorter lineage: no round 2 in it.
        JsonNode earlier = JSON.readTree(given().get("/api/provenance/models/" + r1.getString("model")).then().statusCode(200)
                .extract().asString());
        assertFalse(earlier.path("activity").has(ProvenanceService.roundId(run, 2)));
        assertTrue(earlier.path("activity").has(ProvenanceService.roundId(run, 1)));

        given().get("/api/provenance/models/" + "0".repeat(64)).then().statusCode(404);
        given().get("/api/provenance/models/nope").then().statusCode(400);

        // The ledger has the run's story, in order, with the rejected site and its reason.
        List<LedgerEvent> events = ledger.list(ledgerBefore, 1000).stream()
                .filter(e -> e.payload().contains("\"run\":\"" + run + "\"")).toList();
        List<String> types = events.stream().map(LedgerEvent::type).toList();
        assertEquals("RUN_STARTED", types.get(0), types.toString());
        assertEquals("RUN_COMPLETED", types.get(types.size() - 1), types.toString());
        assertEquals(4, types.stream().filter("UPDATE_ACCEPTED"::equals).count(), types.toString());
        assertEquals(2, types.stream().filter("ROUND_COMPLETED"::equals).count(), types.toString());
        assertEquals(3, types.stream().filter("MODEL_VERSION_CREATED"::equals).count(), types.toString());
        List<LedgerEvent> rejected = events.stream().filter(e -> e.type().equals("UPDATE_REJECTED")).toList();
        assertEquals(2, rejected.size(), types.toString());
        for (LedgerEvent e : rejected) {
            assertEquals("site:hospital-c", e.actor());
            assertTrue(e.payload().contains("NaN"), e.payload());
        }
        LedgerEvent last = events.get(events.size() - 1);
        assertTrue(last.payload().contains("\"model_sha256\":\"" + finalModel + "\""), last.payload());
        LedgerEvent finalVersion = events.stream().filter(e -> e.type().equals("MODEL_VERSION_CREATED")
                && e.payload().contains("\"sha256\":\"" + finalModel + "\"")).findFirst().orElseThrow();
        assertTrue(finalVersion.payload().contains("\"parent_sha256\":\"" + r1.getString("model") + "\""), finalVersion.payload());
        assertTrue(finalVersion.payload().contains("\"site\":\"hospital-a\"") && finalVersion.payload().contains("\"site\":\"hospital-b\""));
        assertTrue(ledger.verify().ok());
        // The run was created (by the admin) before this test's ledger window.
        assertTrue(ledger.list(ledgerBefore - 1, 1).get(0).payload().contains(run));
        assertEquals("admin", ledger.list(ledgerBefore - 1, 1).get(0).actor());
    }

    @Test
    void theSchemaRefusesBrokenDocuments() {
        ProvDocument doc = new ProvDocument();
        doc.entity("synthray:model-abc", ProvenanceService.MODEL_VERSION, Map.of("synthray:sha256", "abc"));
        assertTrue(validate(doc.toJson().toString()).isEmpty());
        // A generation without its entity, and a record section that is not an object of records.
        assertFalse(validate("{\"wasGeneratedBy\": {\"_:g1\": {\"prov:activity\": \"synthray:round-1\"}}}").isEmpty());
        assertFalse(validate("{\"entity\": {\"synthray:x\": {\"synthray:bad\": {\"nested\": true}}}}").isEmpty());
        assertFalse(validate("{\"entities\": {}}").isEmpty());
    }

    private static JsonPath awaitCompleted(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            JsonPath run = given().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
            String state = run.getString("run.state");
            if ("COMPLETED".equals(state)) {
                return run;
            }
            assertFalse("FAILED".equals(state) || "CANCELLED".equals(state), run.prettify());
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not complete");
    }

    /** Everything the start record depends on, following PROV relations from effect to cause. */
    static Set<String> reach(JsonNode doc, String start) {
        String[][] edges = {
            {"wasDerivedFrom", "prov:generatedEntity", "prov:usedEntity"},
            {"wasGeneratedBy", "prov:entity", "prov:activity"},
            {"used", "prov:activity", "prov:entity"},
            {"wasAssociatedWith", "prov:activity", "prov:agent"},
            {"wasAttributedTo", "prov:entity", "prov:agent"},
        };
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            String id = todo.poll();
            if (!seen.add(id)) {
                continue;
            }
            for (String[] e : edges) {
                for (Iterator<JsonNode> it = doc.path(e[0]).elements(); it.hasNext(); ) {
                    JsonNode r = it.next();
                    if (id.equals(r.path(e[1]).asText())) {
                        todo.add(r.path(e[2]).asText());
                    }
                }
            }
        }
        return seen;
    }

    private static long count(JsonNode doc, String section, String type) {
        long n = 0;
        for (Iterator<JsonNode> it = doc.path(section).elements(); it.hasNext(); ) {
            if (type.equals(it.next().path("prov:type").path("$").asText())) {
                n++;
            }
        }
        return n;
    }

    private static boolean has(JsonNode doc, String section, String k1, String v1, String k2, String v2) {
        for (Iterator<JsonNode> it = doc.path(section).elements(); it.hasNext(); ) {
            JsonNode r = it.next();
            if (v1.equals(r.path(k1).asText()) && v2.equals(r.path(k2).asText())) {
                return true;
            }
        }
        return false;
    }
}
