package org.synthray.coordinator.model;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.blob.S3BlobStore;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.testing.S3Profile;
import org.synthray.coordinator.testing.S3ProxyResource;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * With {@code synthray.blobs.store=s3} (a real S3 server), models live in the bucket: an uploaded
 * model and every version a run makes are objects there, named by the blob the model index points
 * to, and download back from it.
 */
@QuarkusTest
@TestProfile(S3Profile.class)
class ModelsOnS3Test {

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @Inject
    BlobStore store;

    @Inject
    ClientRegistry clients;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Path object(String blobSha256) {
        return S3ProxyResource.base().resolve(S3ProxyResource.BUCKET).resolve("synthray/objects/" + blobSha256);
    }

    /** The model's blob is an object in the bucket holding exactly the bytes the coordinator serves. */
    private JsonPath assertInBucket(String id) throws Exception {
        JsonPath info = given().port(httpPort).get("/api/models/" + id + "/info").then().statusCode(200).extract().jsonPath();
        Path object = object(info.getString("blobSha256"));
        assertTrue(Files.isRegularFile(object), "model " + id + " is an object in the bucket: " + object);
        byte[] served = given().port(httpPort).get("/api/models/" + id).then().statusCode(200).extract().asByteArray();
        assertArrayEquals(Files.readAllBytes(object), served);
        assertEquals(id, Npz.read(new java.io.ByteArrayInputStream(served)).modelId());
        return info;
    }

    @Test
    void uploadedModelsAndRunVersionsLiveInTheBucket() throws Exception {
        assertTrue(io.quarkus.arc.ClientProxy.unwrap(store) instanceof S3BlobStore, store.getClass().getName());
        Weights model = Weights.of(Tensor.ofFloats("w", new int[] {3}, 1, 2, (System.nanoTime() % 10_000) / 7f));
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        Npz.write(model, npz);
        String initial = given().port(httpPort).contentType("application/octet-stream").body(npz.toByteArray()).post("/api/models")
                .then().statusCode(201).extract().path("sha256");
        assertInBucket(initial);

        String spec = """
                {"name": "on-s3", "initial_model": "%s", "rounds": 2, "min_sites": 1, "round_timeout_s": 30,
                 "strategy": {"name": "fedavg"}}
                """.formatted(initial);
        String run = given().port(httpPort).contentType(ContentType.JSON).body(spec).post("/api/runs").then().statusCode(201)
                .extract().path("id");
        String site = "s3-site-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        FlowerConnection c = new FlowerConnection(new FlowerClient(new ArithmeticTrainer(model, 1.0, 1.0, 10)),
                FlowerConnection.Options.of("127.0.0.1", grpcPort, site).withRun(run)
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 100));
        pool.submit(c::run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (clients.connected(run).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the agent did not connect");
            Thread.sleep(50);
        }
        given().port(httpPort).post("/api/runs/" + run + "/start").then().statusCode(200);
        String state = null;
        JsonPath detail = null;
        while (System.nanoTime() < deadline && !"COMPLETED".equals(state)) {
            Thread.sleep(100);
            detail = given().port(httpPort).get("/api/runs/" + run).then().statusCode(200).extract().jsonPath();
            state = detail.getString("run.state");
            assertTrue(!"FAILED".equals(state), detail.prettify());
        }
        assertEquals("COMPLETED", state);
        for (int round = 1; round <= 2; round++) {
            String version = given().port(httpPort).get("/api/runs/" + run + "/rounds/" + round).then().statusCode(200)
                    .extract().path("model");
            assertInBucket(version);
        }
        assertEquals(detail.getString("run.globalModel"),
                given().port(httpPort).get("/api/runs/" + run + "/rounds/2").then().extract().path("model"));
    }
}
