package org.synthray.coordinator.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.agent.grpc.CoordinatorChannels;
import org.synthray.auth.BearerCallCredentials;
import org.synthray.coordinator.testing.KeycloakResource;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.StatRequest;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The coordinator's gRPC server with TLS (a certificate made with the JDK's keytool) and
 * authentication on: an agent that trusts the CA file and has a site token gets through; one whose CA
 * file does not vouch for the certificate stops with a clear TLS error.
 */
@QuarkusTest
@TestProfile(GrpcTlsTest.Tls.class)
class GrpcTlsTest {
    static final Path DIR = Path.of("target", "grpc-tls");

    public static class Tls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path p12 = certificate("coordinator");
            certificate("impostor");
            return Map.of("quarkus.grpc.server.ssl.key-store", p12.toAbsolutePath().toString(),
                    "quarkus.grpc.server.ssl.key-store-type", "PKCS12",
                    "quarkus.grpc.server.ssl.key-store-password", "changeit",
                    "quarkus.grpc.server.plain-text", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KeycloakResource.class));
        }
    }

    /** A self-signed certificate for 127.0.0.1: {@code name}.p12 (key and certificate) and {@code name}.pem. */
    static Path certificate(String name) {
        try {
            Files.createDirectories(DIR);
            Path p12 = DIR.resolve(name + ".p12");
            Files.deleteIfExists(p12);
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(keytool, "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
                    "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", p12.toString(),
                    "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
            Files.deleteIfExists(DIR.resolve(name + ".pem"));
            run(keytool, "-exportcert", "-rfc", "-alias", name, "-keystore", p12.toString(), "-storepass", "changeit",
                    "-file", DIR.resolve(name + ".pem").toString());
            return p12;
        } catch (Exception e) {
            throw new IllegalStateException("keytool failed", e);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        }
    }

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    @Test
    void anAgentThatTrustsTheCaFileGetsThrough() throws Exception {
        given().header("Authorization", "Bearer " + Tokens.of(Tokens.ADMIN)).post("/api/sites/nih-a/approve").then().statusCode(200);
        ManagedChannel ch = CoordinatorChannels.builder("127.0.0.1", port, DIR.resolve("coordinator.pem")).build();
        try {
            var res = BlobServiceGrpc.newBlockingStub(CoordinatorChannels.withCredentials(ch,
                            new BearerCallCredentials(Tokens.source("nih-a"))))
                    .withDeadlineAfter(60, TimeUnit.SECONDS).stat(StatRequest.newBuilder().setSha256("ab".repeat(32)).build());
            assertEquals(0, res.getConfirmedOffset());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAgentWhoseCaFileDoesNotVouchForTheCoordinatorStopsWithATlsError() {
        Weights w = Weights.of(Tensor.ofFloats("w", new int[] {1}, 1f));
        FlowerConnection c = new FlowerConnection(new FlowerClient(new ArithmeticTrainer(w, 1, 0, 1)),
                FlowerConnection.Options.of("127.0.0.1", port, "nih-a").withBackoff(Duration.ofMillis(50), Duration.ofMillis(100), 3)
                        .withSecurity(new BearerCallCredentials(Tokens.source("nih-a")), DIR.resolve("impostor.pem")));
        FlowerConnection.ConnectionFailedException e = assertThrows(FlowerConnection.ConnectionFailedException.class, c::run);
        assertTrue(e.getMessage().contains("TLS handshake with the coordinator failed: its certificate is not trusted by CA file"),
                e.getMessage());
    }
}
