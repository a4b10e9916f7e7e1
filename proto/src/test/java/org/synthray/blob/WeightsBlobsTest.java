package org.synthray.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

class WeightsBlobsTest {
    @TempDir
    Path dir;

    static Weights model() {
        float[] v = new float[300_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f;
        }
        return Weights.of(Tensor.ofFloats("w", new int[] {1000, 300}, v), Tensor.ofFloats("b", new int[] {2}, 1, 2));
    }

    @Test
    void writeHashesInTheSamePassAndMatchesNpz() throws IOException {
        Weights w = model();
        Path f = dir.resolve("m.npz");
        BlobRef ref = WeightsBlobs.write(w, f);

        assertEquals(Sha256.of(f), ref);
        assertEquals(Files.size(f), ref.size());
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        Npz.write(w, plain);
        assertEquals(Sha256.of(plain.toByteArray()), ref.sha256(), "the blob is exactly the .npz bytes");
        // Deterministic bytes: the zip entries carry a fixed time (DOS 2000-01-01 00:00), not the clock.
        byte[] head = plain.toByteArray();
        assertEquals(0, (head[10] & 0xff) | (head[11] & 0xff) << 8, "DOS time");
        assertEquals((20 << 9) | (1 << 5) | 1, (head[12] & 0xff) | (head[13] & 0xff) << 8, "DOS date");
        assertFalse(Files.exists(dir.resolve("m.npz.partial")));

        Weights back = WeightsBlobs.mapVerified(f, ref, List.of("w", "b"));
        assertTrue(back.contentEquals(w));
        assertEquals(w.sha256(), back.sha256());
    }

    @Test
    void mapVerifiedRefusesAnotherFile() throws IOException {
        Path f = dir.resolve("m.npz");
        BlobRef ref = WeightsBlobs.write(model(), f);
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length / 2] ^= 1;
        Files.write(f, bytes);
        BlobIntegrityException e = assertThrows(BlobIntegrityException.class, () -> WeightsBlobs.mapVerified(f, ref, null));
        assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
    }

    @Test
    void blobNamesAreExactlySixtyFourLowercaseHexDigits() {
        String ok = Sha256.of(new byte[0]);
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ok);
        assertTrue(Sha256.isValid(ok));
        for (String bad : new String[] {null, "", ok.toUpperCase(), ok.substring(1), ok + "0",
                "../../../../etc/passwd", "..%2F" + ok.substring(5), ok.substring(0, 63) + "/",
                ok.substring(0, 63) + "g", " " + ok.substring(1)}) {
            assertFalse(Sha256.isValid(bad), String.valueOf(bad));
            assertThrows(IllegalArgumentException.class, () -> Sha256.requireValid(bad));
        }
        assertThrows(IllegalArgumentException.class, () -> new BlobRef("../x", 1));
        assertThrows(IllegalArgumentException.class, () -> new BlobRef(ok, -1));
    }
}
