package org.synthray.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code demo.sh --check-ports}: before building anything, the demo names a busy port and the
 * variable that moves it. The script runs for real, against a port this test holds open.
 */
class DemoPortCheckTest {
    record Result(int code, String out, String err) {
    }

    private static Path demo() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("demo.sh")) && Files.isRegularFile(p.resolve("mvnw"))) {
                return p.resolve("demo.sh");
            }
        }
        throw new IllegalStateException("demo.sh not found above " + Path.of("").toAbsolutePath());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Result checkPorts(int http, int grpc, int keycloak) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", demo().toString(), "--check-ports");
        Map<String, String> env = pb.environment();
        env.put("SYNTHRAY_HTTP_PORT", String.valueOf(http));
        env.put("SYNTHRAY_PORT", String.valueOf(grpc));
        env.put("SYNTHRAY_KEYCLOAK_PORT", String.valueOf(keycloak));
        env.remove("SYNTHRAY_DATA");
        Path out = Files.createTempFile("demo-out", ".txt");
        Path err = Files.createTempFile("demo-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("demo.sh --check-ports did not finish");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void aBusyPortIsNamedWithTheVariableThatMovesIt() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            Result http = checkPorts(port, freePort(), freePort());
            assertEquals(1, http.code(), http.out() + http.err());
            assertTrue(http.err().contains("port " + port + " (the coordinator's REST API and console) is in use")
                    && http.err().contains("SYNTHRAY_HTTP_PORT=<port>"), http.err());
            assertTrue(!http.err().contains("SYNTHRAY_PORT=<port>") && !http.err().contains("SYNTHRAY_KEYCLOAK_PORT=<port>"),
                    "only the busy port is named: " + http.err());

            Result grpc = checkPorts(freePort(), port, freePort());
            assertEquals(1, grpc.code());
            assertTrue(grpc.err().contains("port " + port + " (the coordinator's gRPC port for the sites) is in use")
                    && grpc.err().contains("SYNTHRAY_PORT=<port>"), grpc.err());

            Result keycloak = checkPorts(freePort(), freePort(), port);
            assertEquals(1, keycloak.code());
            assertTrue(keycloak.err().contains("port " + port + " (the local Keycloak) is in use")
                    && keycloak.err().contains("SYNTHRAY_KEYCLOAK_PORT=<port>"), keycloak.err());
        }
    }

    @Test
    void freePortsPassAndNothingIsBuilt() throws Exception {
        int http = freePort();
        Result r = checkPorts(http, freePort(), freePort());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("ports " + http + " (REST)") && r.out().contains("free"), r.out());
        assertTrue(!r.out().contains("building"), r.out());
    }

    @Test
    void theSamePortTwiceOrNotAPortIsRefused() throws Exception {
        int p = freePort();
        Result same = checkPorts(p, p, freePort());
        assertEquals(1, same.code());
        assertTrue(same.err().contains("must differ"), same.err());
        Result junk = checkPorts(70000, freePort(), freePort());
        assertEquals(1, junk.code());
        assertTrue(junk.err().contains("SYNTHRAY_HTTP_PORT=70000 is not a port number"), junk.err());
    }
}
