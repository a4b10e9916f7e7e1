package org.synthray.coordinator.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * Free HTTP and gRPC ports for the test coordinator, so test runs in parallel (other checkouts,
 * a demo on the default ports) never collide. Tests read them as the usual test-port properties.
 */
public class FreePortsResource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.http.test-port", String.valueOf(freePort()),
                "quarkus.grpc.server.test-port", String.valueOf(freePort()));
    }

    @Override
    public void stop() {
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
