package org.synthray.coordinator.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Keycloak (the project's infra/keycloak/keycloak.sh: realm synthray imported, hostname
 * pinned) for the security tests. It starts once per test JVM, on a free port, whichever test class
 * asks first, and stops when the JVM exits; Quarkus restarts between test classes (other test
 * profiles, other class loaders) leave it running and find it again.
 * With {@code SYNTHRAY_TEST_KEYCLOAK_URL} set (e.g. http://127.0.0.1:8180), the tests use that one
 * instead and start nothing.
 */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {
    /**
     * Where the running Keycloak's URL is kept: a JVM-wide system property, because Quarkus loads test
     * classes again for each test profile and a static field would not be seen there.
     */
    private static final String STARTED = "synthray.test.keycloak.url";

    /** The Keycloak base URL (no realm), starting it if needed. */
    public static String url() {
        synchronized (System.class) {
            String url = System.getProperty(STARTED);
            if (url == null) {
                String given = System.getenv("SYNTHRAY_TEST_KEYCLOAK_URL");
                url = given != null && !given.isBlank() ? given.replaceAll("/+$", "") : launch();
                System.setProperty(STARTED, url);
            }
            return url;
        }
    }

    /** The synthray realm's issuer. */
    public static String issuer() {
        return url() + "/realms/synthray";
    }

    @Override
    public Map<String, String> start() {
        return Map.of("synthray.auth.enabled", "true", "synthray.auth.issuer", issuer());
    }

    @Override
    public void stop() {
        // Kept for the next test class; stopped at JVM exit.
    }

    private static String launch() {
        Path root = projectRoot();
        Path script = root.resolve("infra/keycloak/keycloak.sh");
        Path dir = root.resolve("coordinator/target/keycloak");
        int port = FreePortsResource.freePort();
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("start.log");
            Process p = new ProcessBuilder("bash", script.toString(), "start", "--port", String.valueOf(port), "--dir", dir.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("Keycloak did not start; see " + log + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            System.out.println("[keycloak] " + Files.readString(log, StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("keycloak:")).reduce((a, b) -> b).orElse("started"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                new ProcessBuilder("bash", script.toString(), "stop", "--dir", dir.toString()).inheritIO().start()
                        .waitFor(60, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException ignored) {
                // the JVM is exiting
            }
        }, "keycloak-stop"));
        return "http://127.0.0.1:" + port;
    }

    private static Path projectRoot() {
        for (Path p = new File("").getAbsoluteFile().toPath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("infra/keycloak/keycloak.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("infra/keycloak/keycloak.sh not found above " + new File("").getAbsolutePath());
    }
}
