package org.synthray.agent.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.FlowerServiceGrpc;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The agent over TLS to a real gRPC server whose certificate (made with the JDK's keytool) it trusts
 * through a CA file, and the clear error when the certificate is not the one the CA file vouches for.
 */
class TlsConnectionTest {
    @TempDir
    Path dir;
    private Server server;

    /** A self-signed certificate for 127.0.0.1 in {@code name}.p12, and its PEM in {@code name}.pem. */
    private Path certificate(String name) throws Exception {
        Path p12 = dir.resolve(name + ".p12");
        Path pem = dir.resolve(name + ".pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + name,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", p12.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", name, "-keystore", p12.toString(), "-storepass", "changeit",
                "-file", pem.toString());
        return p12;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    @BeforeEach
    void start() throws Exception {
        Path p12 = certificate("coordinator");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        // A Join server that ends the federation at once: the handshake and one exchange are what is tested.
        FlowerServiceGrpc.AsyncService join = new FlowerServiceGrpc.AsyncService() {
            @Override
            public StreamObserver<ClientMessage> join(StreamObserver<ServerMessage> out) {
                out.onNext(ServerMessage.newBuilder().setReconnectIns(ServerMessage.ReconnectIns.newBuilder().setSeconds(0)).build());
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ClientMessage value) {
                        out.onCompleted();
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                };
            }
        };
        server = NettyServerBuilder.forPort(0).sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(kmf)).build())
                .addService(FlowerServiceGrpc.bindService(join)).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private FlowerConnection connection(Path caFile) {
        Weights w = Weights.of(Tensor.ofFloats("w", new int[] {1}, 1f));
        return new FlowerConnection(new FlowerClient(new ArithmeticTrainer(w, 1, 0, 1)),
                FlowerConnection.Options.of("127.0.0.1", server.getPort(), "nih-a")
                        .withBackoff(Duration.ofMillis(50), Duration.ofMillis(100), 3).withSecurity(null, caFile));
    }

    @Test
    void connectsWhenTheCaFileVouchesForTheCoordinator() throws Exception {
        FlowerConnection.Outcome o = connection(dir.resolve("coordinator.pem")).run();
        assertEquals(1, o.sessions());
    }

    @Test
    void aCertificateTheCaFileDoesNotVouchForIsAClearFatalError() throws Exception {
        certificate("someone-else");
        FlowerConnection.ConnectionFailedException e = assertThrows(FlowerConnection.ConnectionFailedException.class,
                () -> connection(dir.resolve("someone-else.pem")).run());
        assertTrue(e.getMessage().contains("TLS handshake with the coordinator failed: its certificate is not trusted by CA file"),
                e.getMessage());
    }

    @Test
    void aCaFileThatIsNotPemIsRefusedBeforeConnecting() throws Exception {
        Path bad = dir.resolve("bad.pem");
        Files.writeString(bad, "not a certificate");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CoordinatorChannels.builder("127.0.0.1", server.getPort(), bad));
        assertTrue(e.getMessage().contains("cannot use CA file"), e.getMessage());
    }
}
