package org.synthray.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** .npy versions, dtypes, orders and bad input beyond what the golden captures cover. */
class NpyCodecTest {

    /** Builds a .npy file by hand, as numpy would for the given version. */
    static byte[] npy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int lenSize = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lenSize + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void readsVersionsTwoAndThree() {
        byte[] data = floats(1, 2, 3);
        Tensor v2 = Npy.read(npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", data), "a");
        Tensor v3 = Npy.read(npy(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'note': 'π', }\n", data), "a");
        assertArrayEquals(new float[] {1, 2, 3}, v2.toFloatArray());
        assertTrue(v2.contentEquals(v3));
    }

    @Test
    void readsFortranOrderInThreeDimensions() {
        // numpy: a = np.arange(24, dtype='<f4').reshape(2,3,4); np.asfortranarray(a) stores a.T.ravel()
        float[] logical = new float[24];
        for (int i = 0; i < 24; i++) {
            logical[i] = i;
        }
        float[] storage = new float[24];
        int s = 0;
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 2; i++) {
                    storage[s++] = logical[i * 12 + j * 4 + k];
                }
            }
        }
        Tensor t = Npy.read(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }\n", floats(storage)), "f");
        assertArrayEquals(logical, t.toFloatArray());
    }

    @Test
    void roundTripsEveryDtype() {
        for (DType d : DType.values()) {
            Tensor t = Tensor.fromDoubles("x", d, new int[] {2, 2}, new double[] {0, 1, 1, 0});
            Tensor back = Npy.read(Npy.write(t), "x");
            assertTrue(t.contentEquals(back), d.toString());
            assertEquals(0, Npy.header(t).length % 64, "header aligned to 64 bytes");
        }
    }

    @Test
    void float16ConversionsAreExactAndRoundToNearestEven() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Float16.toFloat((short) bits);
            if (!Float.isNaN(f)) {
                assertEquals((short) bits, Float16.fromFloat(f), "half 0x" + Integer.toHexString(bits));
            }
        }
        assertEquals((short) 0x3c00, Float16.fromFloat(1.0f + 0x1p-11f), "tie rounds to even (down)");
        assertEquals((short) 0x3c02, Float16.fromFloat(1.0f + 3 * 0x1p-11f), "tie rounds to even (up)");
        assertEquals((short) 0x7c00, Float16.fromFloat(65520f), "overflow to infinity");
    }

    @Test
    void badInputGetsAReason() {
        String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n";
        assertMessage("bad magic", () -> Npy.read(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "x"));
        assertMessage("truncated", () -> Npy.read(npy(1, h, floats(1, 2)), "x"));
        assertMessage("trailing bytes", () -> Npy.read(npy(1, h, floats(1, 2, 3, 4)), "x"));
        assertMessage("only little-endian", () -> Npy.read(npy(1, h.replace("<f4", ">f4"), floats(1, 2, 3)), "x"));
        assertMessage("unsupported dtype 'O'", () -> Npy.read(npy(1, h.replace("<f4", "O"), floats(1, 2, 3)), "x"));
        assertMessage("unsupported .npy version 4.0", () -> Npy.read(npy(4, h, floats(1, 2, 3)), "x"));
        assertMessage("runs past the end", () -> Npy.read(java.util.Arrays.copyOf(npy(1, h, floats(1, 2, 3)), 20), "x"));
        assertMessage("lacks a tuple 'shape'", () -> Npy.read(npy(1, h.replace("'shape': (3,)", "'shape': 3"), floats(1, 2, 3)), "x"));
        assertMessage("bad header", () -> Npy.read(npy(1, "{'descr': '<f4' 'x'}\n", floats(1, 2, 3)), "x"));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        Npy.NpyFormatException ex = assertThrows(Npy.NpyFormatException.class, e);
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    @Test
    void npzKeepsOrderNamesAndIsAPlainZipOfNpyFiles() throws Exception {
        Weights w = Weights.of(Tensor.ofFloats("unet/conv_in/w", new int[] {2}, 1, 2),
                Tensor.ofLongs("step", new int[] {}, 7), Tensor.ofDoubles("a", new int[] {1}, 0.5));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npz.write(w, out);
        Weights back = Npz.read(new ByteArrayInputStream(out.toByteArray()));
        assertTrue(w.contentEquals(back));
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            ZipEntry e = zip.getNextEntry();
            assertEquals("unet/conv_in/w.npy", e.getName());
            assertArrayEquals(Npy.write(w.get(0)), zip.readAllBytes());
        }
    }

    @Test
    void modelHashIsTheHashOfTheCanonicalNpz() throws Exception {
        Weights w = Weights.of(Tensor.ofFloats("a", new int[] {3}, 1, 2, 3), Tensor.ofLongs("n", new int[] {}, 4));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npz.write(w, out);
        String fileHash = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
        assertEquals(fileHash, w.sha256());
        java.util.TimeZone saved = java.util.TimeZone.getDefault();
        try {
            java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("Pacific/Kiritimati"));
            assertEquals(fileHash, w.sha256(), "independent of the time zone and the clock");
        } finally {
            java.util.TimeZone.setDefault(saved);
        }
    }

    @Test
    void weightsIdentityAndCompatibility() {
        Weights a = Weights.of(Tensor.ofFloats("w", new int[] {2}, 1, 2));
        Weights b = Weights.of(Tensor.ofFloats("w", new int[] {2}, 1, 2));
        Weights c = Weights.of(Tensor.ofFloats("w", new int[] {2}, 1, 3));
        assertEquals(a.sha256(), b.sha256());
        assertTrue(!a.sha256().equals(c.sha256()));
        assertEquals("tensor 0 ('w') expected <f4(2,), got <f8(2,)",
                a.incompatibility(Weights.of(Tensor.ofDoubles("w", new int[] {2}, 1, 2))));
        assertThrows(IllegalArgumentException.class, () -> Weights.of(a.get(0), b.get(0)), "duplicate names");
    }
}
