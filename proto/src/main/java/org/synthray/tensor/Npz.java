package org.synthray.tensor;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz}: a zip of {@code <name>.npy} entries, as {@code np.savez} writes it and
 * {@code np.load} reads it. Entries keep the order of the weights. Writing is deterministic (every
 * entry carries the same fixed timestamp), so equal weights always give the same bytes.
 */
public final class Npz {
    private static final String SUFFIX = ".npy";
    private static final java.time.LocalDateTime FIXED_TIME = java.time.LocalDateTime.of(2000, 1, 1, 0, 0);

    private Npz() {
    }

    /**
     * Writes the weights as an uncompressed {@code .npz} (like {@code np.savez}). The output is
     * canonical: equal weights always give equal bytes.
     */
    public static void write(Weights weights, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Tensor t : weights) {
            ZipEntry e = new ZipEntry(t.name() + SUFFIX);
            // A fixed timestamp makes the bytes, and so the SHA-256 that names a model version,
            // depend on the weights alone (not on the clock or the time zone).
            e.setTimeLocal(FIXED_TIME);
            // STORED entries need size and CRC before the data: one cheap pass over the bytes.
            byte[] header = Npy.header(t);
            CRC32 crc = new CRC32();
            crc.update(header);
            crc.update(t.data());
            e.setMethod(ZipEntry.STORED);
            e.setSize(header.length + (long) t.byteSize());
            e.setCompressedSize(e.getSize());
            e.setCrc(crc.getValue());
            zip.putNextEntry(e);
            Npy.write(t, zip);
            zip.closeEntry();
        }
        zip.finish();
    }

    public static void write(Weights weights, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            write(weights, out);
        }
        // Atomic replace: a crash mid-write never leaves a half-written checkpoint under the real name.
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads every {@code .npy} entry, in zip order, stored or deflated.
     *
     * @throws Npy.NpyFormatException naming the entry when one is invalid
     */
    public static Weights read(InputStream in) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        ZipInputStream zip = new ZipInputStream(in);
        ZipEntry e;
        while ((e = zip.getNextEntry()) != null) {
            String entry = e.getName();
            if (e.isDirectory() || !entry.endsWith(SUFFIX)) {
                continue;
            }
            String name = entry.substring(0, entry.length() - SUFFIX.length());
            if (!seen.add(name)) {
                throw new Npy.NpyFormatException("duplicate entry '" + entry + "' in .npz");
            }
            byte[] bytes = zip.readAllBytes();
            try {
                tensors.add(Npy.read(ByteBuffer.wrap(bytes), name));
            } catch (Npy.NpyFormatException ex) {
                throw new Npy.NpyFormatException("entry '" + entry + "': " + ex.getMessage());
            }
        }
        return new Weights(tensors);
    }

    public static Weights read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            return read(in);
        }
    }
}
