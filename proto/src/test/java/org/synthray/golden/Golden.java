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
import org.synthray.testdata.TestData;

/**
 * The golden Flower 1.23.0 captures in {@code data/golden/flower-1.23}: raw messages a stock
 * Flower server and client put on the wire, with {@code index.json} describing each one.
 */
public final class Golden {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private Golden() {
    }

    /** The capture folder: the repository's {@code data/golden/flower-1.23} unless told otherwise ({@link TestData}). */
    public static Path root() {
        return TestData.golden();
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
