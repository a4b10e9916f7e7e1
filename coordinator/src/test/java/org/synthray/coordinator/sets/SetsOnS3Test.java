package org.synthray.coordinator.sets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.publish.SetPublisher;
import org.synthray.agent.publish.TestSets;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.blob.S3BlobStore;
import org.synthray.coordinator.testing.S3Profile;
import org.synthray.coordinator.testing.S3ProxyResource;
import org.synthray.manifest.ManifestEntry;

/**
 * The coordinator with {@code synthray.blobs.store=s3} against a real S3 server: a site publishes a
 * set through the blob service into the bucket, and a researcher's ZIP streams back out of it.
 */
@QuarkusTest
@TestProfile(S3Profile.class)
class SetsOnS3Test {

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @Inject
    BlobStore store;

    @TempDir
    Path dir;

    @Test
    void publishedImagesLiveInTheBucketAndDownloadFromIt() throws Exception {
        assertTrue(io.quarkus.arc.ClientProxy.unwrap(store) instanceof S3BlobStore, store.getClass().getName());
        String site = "site-s3-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        TestSets.Built b = TestSets.build(dir.resolve("set"), site, 3, true);
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        SetPublisher.Result r;
        try (BlobClient blobs = new BlobClient(BlobClient.Options.of("127.0.0.1", grpcPort, site)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 20), () -> c, null)) {
            r = new SetPublisher(c, site, blobs, null).publish(b.dir());
        }
        assertEquals("uploaded", r.state());
        ManifestEntry first = b.entries().get(0);
        Path object = S3ProxyResource.base().resolve(S3ProxyResource.BUCKET).resolve("synthray/objects/" + first.sha256());
        assertTrue(Files.isRegularFile(object), "the image is an object in the bucket: " + object);
        assertArrayEquals(Files.readAllBytes(b.upload().resolve(first.file())), Files.readAllBytes(object));

        String id = r.setId();
        given().port(httpPort).contentType("application/json").body("{}").post("/api/sets/" + id + "/review").then().statusCode(200);
        given().port(httpPort).contentType("application/json").body("{\"reason\":\"ok\"}").post("/api/sets/" + id + "/release")
                .then().statusCode(200);
        byte[] zip = given().port(httpPort).queryParam("format", "dicom").get("/api/released-sets/" + id + "/download").asByteArray();
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        for (ManifestEntry e : b.entries()) {
            assertArrayEquals(Files.readAllBytes(b.upload().resolve(e.dicom())), entries.get(id + "/" + e.dicom()));
        }
        assertFalse(entries.containsKey(id + "/" + first.file()));
    }
}
