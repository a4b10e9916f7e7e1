package org.synthray.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .npy}/{@code .npz} bytes made by an attacker: every one is refused with a reason, and none
 * costs more stack or heap than its own size (the header is read and checked before any data).
 */
class HostileNpyTest {
    @TempDir
    Path dir;

    /** A .npy of format 2.0 (4-byte header length) with this header and data. */
    static byte[] npy2(String header, byte[] data) {
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocate(12 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length).put(h).put(data).array();
    }

    @Test
    void deeplyNestedShapeIsRefusedNotAStackOverflow() {
        // 200,000 nested parentheses once killed the run thread with StackOverflowError.
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(200_000) + ")".repeat(200_000) + ", }";
        Npy.NpyFormatException e = assertThrows(Npy.NpyFormatException.class, () -> Npy.read(npy2(header, new byte[0]), "x"));
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
        assertTrue(e.getMessage().length() < 400, "the reason does not quote the whole header");

        // Nesting that fits the header limit is refused by the grammar: a shape holds integers only.
        String short_ = "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(2000) + ")".repeat(2000) + ", }";
        Npy.NpyFormatException nested = assertThrows(Npy.NpyFormatException.class, () -> Npy.read(npy2(short_, new byte[0]), "x"));
        assertTrue(nested.getMessage().contains("nested tuple"), nested.getMessage());
        assertTrue(nested.getMessage().length() < 400, nested.getMessage());
    }

    @Test
    void headerLengthIsBoundedBeforeAllocation() {
        // Declares a header of 4 GiB − 1 in an 12-byte file: refused on the length field itself.
        byte[] liar = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(-1).array();
        Npy.NpyFormatException e = assertThrows(Npy.NpyFormatException.class, () -> Npy.read(liar, "x"));
        assertTrue(e.getMessage().contains("4294967295"), e.getMessage());
        assertThrows(Npy.NpyFormatException.class, () -> Npy.readHeader(new ByteArrayInputStream(liar)));
    }

    @Test
    void tooManyDimensionsAndNonIntegerDimensionsAreRefused() {
        String dims = "1, ".repeat(65);
        assertTrue(assertThrows(Npy.NpyFormatException.class, () -> Npy.read(npy2(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }", new byte[4]), "x"))
                .getMessage().contains("65 dimensions"));
        assertThrows(Npy.NpyFormatException.class, () -> Npy.read(npy2(
                "{'descr': '<f4', 'fortran_order': False, 'shape': ('a',), }", new byte[4]), "x"));
        assertThrows(Npy.NpyFormatException.class, () -> Npy.read(npy2(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }",
                new byte[4]), "x"));
    }

    /** A deflated .npz entry: a valid .npy header declaring {@code floats} zeros, and those zeros. */
    static void deflatedZeros(OutputStream out, String entry, long floats) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(NpyCodecTest.npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (" + floats + ",), }\n",
                    new byte[0]));
            byte[] zeros = new byte[1 << 20];
            for (long left = floats * 4; left > 0; left -= zeros.length) {
                zip.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            zip.closeEntry();
        }
    }

    @Test
    void deflateBombIsRefusedBeforeInflating() throws IOException {
        // 128 MiB of zeros deflate to about 130 KB: 1000:1, beyond any real weights.
        Path bomb = dir.resolve("bomb.npz");
        try (OutputStream out = Files.newOutputStream(bomb)) {
            deflatedZeros(out, "w.npy", 32L << 20);
        }
        assertTrue(Files.size(bomb) < 1 << 20);
        Npy.NpyFormatException mapped = assertThrows(Npy.NpyFormatException.class, () -> MappedNpz.read(bomb));
        assertTrue(mapped.getMessage().contains("w.npy") && mapped.getMessage().contains(":1"), mapped.getMessage());
        Npy.NpyFormatException streamed = assertThrows(Npy.NpyFormatException.class, () -> Npz.read(bomb));
        assertTrue(streamed.getMessage().contains(":1"), streamed.getMessage());
    }

    @Test
    void declaredShapeIsCheckedAgainstTheModelBeforeTheData() throws IOException {
        Weights model = Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 1, 2, 3, 4));
        // A modest, well-compressing entry (under the ratio floor) of the wrong shape.
        Path wrong = dir.resolve("wrong.npz");
        try (OutputStream out = Files.newOutputStream(wrong)) {
            deflatedZeros(out, "w.npy", 1000);
        }
        Npy.NpyFormatException e = assertThrows(Npy.NpyFormatException.class,
                () -> MappedNpz.read(wrong, List.of("w"), NpzLimits.shapesOf(model)));
        assertTrue(e.getMessage().contains("(1000,)") && e.getMessage().contains("(2, 2)"), e.getMessage());
        assertEquals(1000, MappedNpz.read(wrong).get(0).elementCount(), "without the model's shapes it is a valid file");

        // More entries than the model has tensors.
        Path two = dir.resolve("two.npz");
        Npz.write(Weights.of(model.get(0), Tensor.ofFloats("extra", new int[] {1}, 1)), two);
        assertTrue(assertThrows(Npy.NpyFormatException.class,
                () -> MappedNpz.read(two, null, NpzLimits.shapesOf(model))).getMessage().contains("more entries"));
        assertThrows(Npy.NpyFormatException.class,
                () -> Npz.read(Files.newInputStream(two), NpzLimits.shapesOf(model)));
        // The model's own file passes.
        Path same = dir.resolve("same.npz");
        Npz.write(model, same);
        assertTrue(MappedNpz.read(same, null, NpzLimits.shapesOf(model)).contentEquals(model));
    }
}
