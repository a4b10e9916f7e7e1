package org.synthray.coordinator.model;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.agent.publish.SetPublisher;
import org.synthray.agent.publish.TestSets;
import org.synthray.blob.Sha256;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.ledger.LedgerEvent;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.coordinator.provenance.ProvenanceService;
import org.synthray.coordinator.testing.FreePortsResource;
import org.synthray.coordinator.testing.PostgresResource;
import org.synthray.manifest.ManifestEntry;
import org.synthray.tensor.DType;
import org.synthray.tensor.ModelId;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * One model, one identity, end to end: a float16 base model uploaded with its {@code info.json},
 * a run of its config whose starting model a site sends over real gRPC (float32, no names), the
 * versions, the ledger, PROV and a published set all name the same models by the same
 * {@link ModelId}, and the base model's own provenance (data, training) is in the lineage.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(FreePortsResource.class)
class ModelIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CONFIG_NAMES = List.of("encoder.w", "encoder.b");

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    @Inject
    ClientRegistry clients;

    @Inject
    LedgerService ledger;

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Values float16 holds exactly, one of them unique to this test run (versions are content-named). */
    private static Weights base32(List<String> names) {
        float unique = 1 + (System.nanoTime() % 1000) / 8f;
        return Weights.of(Tensor.ofFloats(names.get(0), new int[] {2, 2}, 0.5f, -1.25f, 2f, unique),
                Tensor.ofFloats(names.get(1), new int[] {2}, 0.125f, 3f));
    }

    private static Weights toFloat16(Weights w) {
        List<Tensor> out = new java.util.ArrayList<>();
        for (Tensor t : w) {
            out.add(Tensor.fromDoubles(t.name(), DType.FLOAT16, t.shape(), t.toDoubleArray()));
        }
        return new Weights(out);
    }

    @Test
    void aModelHasOneIdentityInFilesVersionsLedgerProvenanceAndSets() throws Exception {
        Weights named32 = base32(CONFIG_NAMES);
        Weights stored16 = toFloat16(named32);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        Npz.write(stored16, file);
        String id = ModelId.of(stored16);
        assertEquals(id, ModelId.of(named32), "float16 storage does not change the identity");
        assertNotEquals(Sha256.of(file.toByteArray()), id, "the identity is not a hash of the file's bytes");

        // The base model: uploaded (float16 file) and described by its info.json.
        String config = "tiny-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        assertEquals(id, given().contentType("application/octet-stream").body(file.toByteArray()).post("/api/models")
                .then().statusCode(201).extract().path("sha256"));
        String info = """
                {"config": "%s", "data": "../shared/data/nih-cxr14-64", "split": "train", "seed": 42, "batch": 32,
                 "steps": 1041, "train_seconds": 3361, "finished": "2026-11-28T05:00:32.916973769Z",
                 "weights_dtype": "float16", "model_id": "%s"}
                """.formatted(config, id);
        given().contentType(ContentType.JSON).body(info).put("/api/models/" + id + "/provenance").then().statusCode(200)
                .body("config", org.hamcrest.Matchers.equalTo(config));

        // A run of that config with no initial model: a site sends its (float32, differently named) copy.
        String spec = """
                {"name": "identity", "model": "%s", "rounds": 2, "min_sites": 2, "round_timeout_s": 30,
                 "strategy": {"name": "fedavg"}}
                """.formatted(config);
        String run = given().contentType(ContentType.JSON).body(spec).post("/api/runs").then().statusCode(201).extract().path("id");
        long ledgerBefore = ledger.head().seq();
        Weights siteCopy = new Weights(List.of(named32.get(0).withName("a"), named32.get(1).withName("b")));
        agent("identity-a", run, new ArithmeticTrainer(siteCopy, 1.0, 1.0, 30));
        agent("identity-b", run, new ArithmeticTrainer(siteCopy, 1.0, -0.5, 10));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (clients.connected(run).size() < 2) {
            assertTrue(System.nanoTime() < deadline, "the agents did not connect");
            Thread.sleep(50);
        }
        given().post("/api/runs/" + run + "/start").then().statusCode(200);
        String finalModel = awaitCompleted(run).getString("run.globalModel");
        JsonPath r1 = given().get("/api/runs/" + run + "/rounds/1").then().statusCode(200).extract().jsonPath();
        assertEquals(id, r1.getString("parentModel"), "the run's starting model is the base model");

        // Stored once, under the config's names, and downloaded as the same model.
        Weights back = Npz.read(new ByteArrayInputStream(given().get("/api/models/" + id).then().statusCode(200)
                .extract().asByteArray()));
        assertEquals(CONFIG_NAMES, back.names());
        assertEquals(id, ModelId.of(back));
        Weights last = Npz.read(new ByteArrayInputStream(given().get("/api/models/" + finalModel).then().statusCode(200)
                .extract().asByteArray()));
        assertEquals(CONFIG_NAMES, last.names(), "tensors from Flower are named from the run's model config when decoded");
        assertEquals(finalModel, ModelId.of(last));

        // Ledger: the starting version and the final one carry the same identities.
        List<LedgerEvent> versions = ledger.list(ledgerBefore, 1000).stream()
                .filter(e -> e.type().equals("MODEL_VERSION_CREATED") && e.payload().contains("\"run\":\"" + run + "\"")).toList();
        assertEquals(3, versions.size());
        assertEquals(id, JSON.readTree(versions.get(0).payload()).get("sha256").asText());
        assertEquals("INITIAL", JSON.readTree(versions.get(0).payload()).get("kind").asText());
        assertEquals(finalModel, JSON.readTree(versions.get(2).payload()).get("sha256").asText());

        // PROV: the lineage of the final model reaches the base model, its training and its data.
        JsonNode lineage = JSON.readTree(given().get("/api/provenance/models/" + finalModel).then().statusCode(200).extract().asString());
        assertBaseModelProvenance(lineage, id, config);

        // A set synthesized with the final model: set.json, the manifest and the set's PROV name it alike.
        String setId = publish(finalModel);
        assertEquals(finalModel, given().get("/api/sets/" + setId).then().statusCode(200).extract().path("model"));
        given().contentType("application/json").body("{}").post("/api/sets/" + setId + "/review").then().statusCode(200);
        given().contentType("application/json").body("{\"reason\":\"ok\"}").post("/api/sets/" + setId + "/release").then().statusCode(200);
        Map<String, byte[]> zip = unzip(given().queryParam("format", "png").get("/api/released-sets/" + setId + "/download")
                .then().statusCode(200).extract().asByteArray());
        JsonNode prov = JSON.readTree(zip.get(setId + "/prov.json"));
        assertTrue(prov.path("entity").has(ProvenanceService.modelId(finalModel)), prov.toString());
        assertBaseModelProvenance(prov, id, config);
        String csv = new String(zip.get(setId + "/manifest.csv"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(csv.strip().split("\n")[1].contains(finalModel), csv);
    }

    private static void assertBaseModelProvenance(JsonNode doc, String id, String config) {
        String base = ProvenanceService.modelId(id);
        String training = ProvenanceService.modelTrainingId(id);
        assertEquals(config, doc.path("entity").path(base).path("synthray:config").asText(), doc.toString());
        assertTrue(doc.path("activity").has(training), doc.toString());
        assertEquals(42, doc.path("activity").path(training).path("synthray:seed").asInt());
        assertTrue(has(doc, "wasGeneratedBy", "prov:entity", base, "prov:activity", training));
        String data = ProvenanceService.datasetId("../shared/data/nih-cxr14-64#train");
        assertTrue(doc.path("entity").has(data), doc.toString());
        assertTrue(has(doc, "used", "prov:activity", training, "prov:entity", data));
    }

    private static boolean has(JsonNode doc, String relation, String k1, String v1, String k2, String v2) {
        for (JsonNode r : doc.path(relation)) {
            if (v1.equals(r.path(k1).asText()) && v2.equals(r.path(k2).asText())) {
                return true;
            }
        }
        return false;
    }

    private String publish(String model) throws Exception {
        String site = "identity-site-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        TestSets.Built b = TestSets.build(dir.resolve("set"), site, 2, false, 32,
                e -> new ManifestEntry(e.seq(), e.file(), e.sha256(), e.size(), e.dicom(), e.dicomSha256(), e.dicomSize(),
                        e.prompt(), e.seed(), e.sampler(), e.steps(), e.guidance(), model, e.guard()),
                s -> {
                    s.put("model", model);
                    return s;
                });
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try (BlobClient blobs = new BlobClient(BlobClient.Options.of("127.0.0.1", grpcPort, site)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 20), () -> c, null)) {
            SetPublisher.Result r = new SetPublisher(c, site, blobs, null).publish(b.dir());
            assertEquals("uploaded", r.state());
            return r.setId();
        } finally {
            c.shutdownNow();
        }
    }

    private void agent(String site, String run, org.synthray.agent.flower.LocalTrainer trainer) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer), FlowerConnection.Options.of("127.0.0.1", grpcPort, site)
                .withRun(run).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 100));
        pool.submit(c::run);
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws java.io.IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static JsonPath awaitCompleted(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            JsonPath run = given().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
            String state = run.getString("run.state");
            if ("COMPLETED".equals(state)) {
                return run;
            }
            assertTrue(!"FAILED".equals(state) && !"CANCELLED".equals(state), run.prettify());
            Thread.sleep(100);
        }
        throw new AssertionError("run " + id + " did not complete");
    }
}
