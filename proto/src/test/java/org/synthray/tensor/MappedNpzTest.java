package org.synthray.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mapped {@code .npz} reader gives what {@link Npz#read} gives, with the data left in the mapping. */
class MappedNpzTest {
    @TempDir
    Path dir;

    static Weights model(int floats, long seed) {
        Random r = new Random(seed);
        float[] big = new float[floats];
        for (int i = 0; i < big.length; i++) {
            big[i] = r.nextFloat();
        }
        return Weights.of(
                Tensor.ofFloats("encoder/conv1", new int[] {floats / 4, 4}, big),
                Tensor.ofFloats("bias", new int[] {3}, 0.5f, -1f, 2f),
                Tensor.ofLongs("steps", new int[] {}, 42L),
                Tensor.fromDoubles("mask", DType.BOOL, new int[] {2, 2}, new double[] {1, 0, 0, 1}),
                Tensor.fromDoubles("half", DType.FLOAT16, new int[] {5}, new double[] {1, 2, 3, 4, 5}),
                Tensor.zeros("empty", DType.FLOAT64, new int[] {0, 7}));
    }

    @Test
    void givesTheSameTensorsAsNpzReadWithoutHeapCopies() throws IOException {
        Weights w = model(1 << 18, 1); // 1 MiB tensor
        Path f = dir.resolve("m.npz");
        Npz.write(w, f);

        Weights heap = Npz.read(f);
        Weights mapped = MappedNpz.read(f);
        assertTrue(mapped.contentEquals(heap));
        assertTrue(mapped.contentEquals(w));
        assertEquals(w.sha256(), mapped.sha256());
        for (Tensor t : mapped) {
            ByteBuffer data = t.data();
            assertTrue(data.isDirect(), t + " should be a view of the mapping");
            assertTrue(data.isReadOnly());
            assertFalse(data.hasArray(), t + " must not be backed by a heap array");
        }
    }

    @Test
    void namesCanComeFromTheModel() throws IOException {
        Path f = dir.resolve("m.npz");
        Npz.write(model(64, 2), f);
        Weights named = MappedNpz.read(f, List.of("a", "b", "c", "d", "e", "f"));
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), named.names());
        assertThrows(IllegalArgumentException.class, () -> MappedNpz.read(f, List.of("a")));
    }

    @Test
    void readsZip64HeadersAsNumpyWritesThem() throws IOException {
        // np.savez writes each entry with force_zip64=True: local sizes 0xffffffff plus a ZIP64 extra field.
        Weights w = model(256, 3);
        Path f = dir.resolve("numpy-style.npz");
        try (OutputStream out = Files.newOutputStream(f)) {
            writeZip64Style(w, out);
        }
        Weights mapped = MappedNpz.read(f);
        assertTrue(mapped.contentEquals(Npz.read(f)));
        assertTrue(mapped.contentEquals(w));
    }

    @Test
    void compressedEntriesAreDecodedOnTheHeap() throws IOException {
        Weights w = model(256, 4);
        Path f = dir.resolve("compressed.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(f))) {
            for (Tensor t : w) {
                zip.putNextEntry(new ZipEntry(t.name() + ".npy"));
                zip.write(Npy.write(t));
                zip.closeEntry();
            }
        }
        assertTrue(MappedNpz.read(f).contentEquals(w));
    }

    @Test
    void refusesFilesThatAreNotNpz() throws IOException {
        Path junk = dir.resolve("junk.npz");
        Files.write(junk, new byte[100]);
        assertThrows(ZipException.class, () -> MappedNpz.read(junk));

        Path f = dir.resolve("m.npz");
        Npz.write(model(1024, 5), f);
        byte[] bytes = Files.readAllBytes(f);
        Path truncated = dir.resolve("truncated.npz");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(ZipException.class, () -> MappedNpz.read(truncated));

        // A valid zip whose entry is not a valid .npy: the error names the entry.
        Path badEntry = dir.resolve("bad-entry.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(badEntry))) {
            ZipEntry e = new ZipEntry("w.npy");
            zip.putNextEntry(e);
            zip.write(new byte[] {1, 2, 3});
            zip.closeEntry();
        }
        Npy.NpyFormatException ex = assertThrows(Npy.NpyFormatException.class, () -> MappedNpz.read(badEntry));
        assertTrue(ex.getMessage().contains("'w.npy'"), ex.getMessage());
    }

    /** The layout Python's zipfile writes for np.savez (STORED, force_zip64=True, seekable output). */
    static void writeZip64Style(Weights w, OutputStream out) throws IOException {
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream cen = new java.io.ByteArrayOutputStream();
        int count = 0;
        for (Tensor t : w) {
            byte[] data = Npy.write(t);
            byte[] name = (t.name() + ".npy").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(data);
            long offset = file.size();
            ByteBuffer loc = le(30 + name.length + 20);
            loc.putInt(0x04034b50).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue())
                    .putInt(-1).putInt(-1).putShort((short) name.length).putShort((short) 20).put(name)
                    .putShort((short) 1).putShort((short) 16).putLong(data.length).putLong(data.length);
            file.write(loc.array());
            file.write(data);
            ByteBuffer c = le(46 + name.length);
            c.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue())
                    .putInt(data.length).putInt(data.length).putShort((short) name.length).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) offset)
                    .put(name);
            cen.write(c.array());
            count++;
        }
        int cenOffset = file.size();
        file.write(cen.toByteArray());
        ByteBuffer eocd = le(22);
        eocd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) count)
                .putShort((short) count).putInt(cen.size()).putInt(cenOffset).putShort((short) 0);
        file.write(eocd.array());
        out.write(file.toByteArray());
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
