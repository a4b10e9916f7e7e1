package org.synthray.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden Flower 1.23.0 captures in {@code ../shared/golden/flower-1.23}: raw messages a stock
 * Flower server and client put on the wire, with {@code index.json} describing each one.
 */
public final class Golden {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private Golden() {
    }

    /** The capture folder: system property {@code synthray.shared}, else {@code ../shared} of an ancestor. */
    public static Path root() {
        String prop = System.getProperty("synthray.shared");
        if (prop != null && Files.isDirectory(Path.of(prop, "golden", "flower-1.23"))) {
            return Path.of(prop, "golden", "flower-1.23").toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/golden/flower-1.23").normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("golden captures not found: expected ../shared/golden/flower-1.23 "
                + "beside the project, or -Dsynthray.shared=<dir>");
    }

    public static JsonNode index() {
        try {
            return JSON.readTree(root().resolve("index.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every entry of {@code index.json → files}. */
    public static List<JsonNode> files() {
        List<JsonNode> out = new ArrayList<>();
        index().get("files").forEach(out::add);
        return out;
    }

    /** The entry describing {@code captures/<name>}. */
    public static JsonNode entry(String captureName) {
        for (JsonNode f : files()) {
            if (f.get("file").asText().equals("captures/" + captureName)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no golden capture " + captureName);
    }

    /** Raw bytes of a file under the golden folder, e.g. {@code captures/server-01-fit_ins.bin}. */
    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Raw bytes of {@code captures/<name>}. */
    public static byte[] capture(String name) {
        return bytes("captures/" + name);
    }
}
