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
     * Reads every {@code .npy} entry, in zip order, stored or deflated, within
     * {@link NpzLimits#DEFAULT} (no entry inflates beyond the compression ratio).
     *
     * @throws Npy.NpyFormatException naming the entry when one is invalid
     */
    public static Weights read(InputStream in) throws IOException {
        return read(in, NpzLimits.DEFAULT);
    }

    /**
     * Reads every {@code .npy} entry, in zip order, stored or deflated. Each entry's header is read
     * and checked against {@code limits} before its data; the data is then read in pieces while
     * the bytes inflated are kept within the compression ratio of the zip bytes consumed, so a
     * header that lies about its size costs no more memory than the ratio allows.
     *
     * @throws Npy.NpyFormatException naming the entry when one is invalid or breaks a limit
     */
    public static Weights read(InputStream in, NpzLimits limits) throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        CountingInputStream raw = new CountingInputStream(in);
        ZipInputStream zip = new ZipInputStream(raw);
        NpzLimits.Budget budget = limits.budget();
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
            long entryStart = raw.count;
            try {
                Npy.Info info = Npy.readHeader(zip);
                budget.admit(entry, info, e.getCompressedSize());
                ByteBuffer data = readData(zip, info.dataBytes(),
                        inflated -> budget.checkRatio(entry, info.headerBytes() + inflated, raw.count - entryStart));
                if (zip.read() >= 0) {
                    throw new Npy.NpyFormatException("trailing bytes after " + info.dataBytes() + " data bytes");
                }
                tensors.add(Npy.tensor(info, data, name));
            } catch (Npy.NpyFormatException ex) {
                throw new Npy.NpyFormatException((ex.getMessage().contains("entry '") ? "" : "entry '" + entry + "': ")
                        + ex.getMessage());
            }
        }
        return new Weights(tensors);
    }

    /** Growth step of {@link #readData}: memory follows the bytes that really arrive. */
    private static final int PIECE = 8 << 20;

    /**
     * Reads exactly {@code n} bytes, growing the buffer as they arrive (not allocating {@code n}
     * up front: a declared size is only a claim) and telling {@code progress} the count so far.
     */
    private static ByteBuffer readData(InputStream in, long n, java.util.function.LongConsumer progress)
            throws IOException {
        if (n > Integer.MAX_VALUE - 8) {
            throw new Npy.NpyFormatException("an entry of " + n + " data bytes cannot be read onto the heap");
        }
        byte[] buf = new byte[(int) Math.min(n, PIECE)];
        int got = 0;
        while (got < n) {
            if (got == buf.length) {
                buf = java.util.Arrays.copyOf(buf, (int) Math.min(n, (long) buf.length * 2));
            }
            int r = in.read(buf, got, Math.min(buf.length - got, PIECE));
            if (r < 0) {
                throw new Npy.NpyFormatException("needs " + n + " data bytes, found " + got + " (truncated)");
            }
            got += r;
            progress.accept(got);
        }
        return ByteBuffer.wrap(buf);
    }

    /** Counts the zip bytes consumed: what the compression ratio is measured against. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }

    public static Weights read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            return read(in);
        }
    }
}
