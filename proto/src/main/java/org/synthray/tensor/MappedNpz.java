package org.synthray.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads an {@code .npz} as {@link Weights} without copying tensor data onto the heap: the file is
 * memory-mapped and every tensor of a STORED entry (what {@link Npz#write} and {@code np.savez}
 * produce) is a read-only view of the mapping. Pages are read from disk (or the page cache) only
 * when the tensor data is touched, so a model larger than the heap, or than 2 GiB, can be opened,
 * validated and aggregated tensor by tensor.
 *
 * <p>The zip's central directory (ZIP64 included) lists the entries; each entry's local header
 * gives where its data starts. Compressed entries ({@code np.savez_compressed}) and Fortran-ordered
 * arrays cannot be views and are decoded onto the heap instead. CRCs are not checked: the
 * SHA-256 of a blob covers every byte already.
 *
 * <p>The mapping stays valid until the tensors are garbage; the file must not be truncated or
 * rewritten while they are in use (blobs never are: they are immutable once published).
 */
public final class MappedNpz {
    private static final String SUFFIX = ".npy";
    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CEN_SIG = 0x02014b50;
    private static final int LOC_SIG = 0x04034b50;
    private static final long MAX_WINDOW = Integer.MAX_VALUE - 8;

    private MappedNpz() {
    }

    /** Reads every {@code .npy} entry in zip order, named by its entry name less {@code .npy}. */
    public static Weights read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * Reads every {@code .npy} entry in zip order.
     *
     * @param names names for the tensors in order (as Flower parameters carry none), or null to use
     *              the entry names
     * @throws java.util.zip.ZipException when the file is not a readable zip
     * @throws Npy.NpyFormatException      when an entry is not a valid {@code .npy}, naming it
     */
    public static Weights read(Path file, List<String> names) throws IOException {
        return read(file, names, NpzLimits.DEFAULT);
    }

    /**
     * Reads every {@code .npy} entry in zip order, each checked against {@code limits} from its
     * header before its data is mapped or inflated.
     *
     * @throws Npy.NpyFormatException when an entry is invalid or breaks a limit, naming it
     */
    public static Weights read(Path file, List<String> names, NpzLimits limits) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Entry> entries = entries(ch);
            if (names != null && names.size() != entries.size()) {
                throw new IllegalArgumentException("expected " + names.size() + " tensors, got " + entries.size());
            }
            List<Tensor> tensors = new ArrayList<>(entries.size());
            NpzLimits.Budget budget = limits.budget();
            MappedByteBuffer window = null;
            long windowStart = 0;
            long windowEnd = 0;
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                String name = names != null ? names.get(i) : e.tensorName();
                if (e.method != ZipEntry.STORED) {
                    tensors.add(inflate(file, e, name, budget));
                    continue;
                }
                if (window == null || e.dataOffset < windowStart || e.dataOffset + e.size > windowEnd) {
                    // Map as many following entries as fit one buffer: few mappings for many small tensors.
                    windowStart = e.dataOffset;
                    windowEnd = e.dataOffset + e.size;
                    for (int j = i + 1; j < entries.size(); j++) {
                        Entry next = entries.get(j);
                        long end = next.dataOffset + next.size;
                        if (next.method != ZipEntry.STORED || next.dataOffset < windowStart
                                || end - windowStart > MAX_WINDOW) {
                            break;
                        }
                        windowEnd = Math.max(windowEnd, end);
                    }
                    window = ch.map(FileChannel.MapMode.READ_ONLY, windowStart, windowEnd - windowStart);
                }
                ByteBuffer npy = window.slice((int) (e.dataOffset - windowStart), (int) e.size);
                try {
                    budget.admit(e.name, Npy.readHeader(npy), e.size);
                    tensors.add(Npy.view(npy, name));
                } catch (Npy.NpyFormatException ex) {
                    throw new Npy.NpyFormatException(ex.getMessage().contains("entry '") ? ex.getMessage()
                            : "entry '" + e.name + "': " + ex.getMessage());
                }
            }
            return new Weights(tensors);
        }
    }

    /**
     * Decodes a compressed entry onto the heap. Its header is inflated first and checked against
     * the limits (declared shape, total size, compression ratio against the compressed size, which
     * lies inside the file); only then is the data inflated, into exactly the declared size.
     */
    private static Tensor inflate(Path file, Entry e, String name, NpzLimits.Budget budget) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry ze = zip.getEntry(e.name);
            if (ze == null) {
                throw bad("entry '" + e.name + "' cannot be read");
            }
            try (InputStream in = zip.getInputStream(ze)) {
                Npy.Info info = Npy.readHeader(in);
                budget.admit(e.name, info, e.size);
                if (info.dataBytes() > Integer.MAX_VALUE - 8) {
                    throw new Npy.NpyFormatException("a compressed entry of " + info.dataBytes()
                            + " data bytes cannot be read onto the heap");
                }
                byte[] data = in.readNBytes((int) info.dataBytes());
                if (data.length != info.dataBytes() || in.read() >= 0) {
                    throw new Npy.NpyFormatException("needs " + info.dataBytes() + " data bytes, found "
                            + (data.length != info.dataBytes() ? data.length + " (truncated)" : "more (trailing bytes)"));
                }
                return Npy.tensor(info, ByteBuffer.wrap(data), name);
            } catch (Npy.NpyFormatException ex) {
                throw new Npy.NpyFormatException(ex.getMessage().contains("entry '") ? ex.getMessage()
                        : "entry '" + e.name + "': " + ex.getMessage());
            }
        }
    }

    /** One {@code .npy} entry: where its bytes are and how they are stored. */
    private record Entry(String name, int method, long dataOffset, long size) {
        String tensorName() {
            return name.substring(0, name.length() - SUFFIX.length());
        }
    }

    private static List<Entry> entries(FileChannel ch) throws IOException {
        long fileSize = ch.size();
        // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the very end.
        int tail = (int) Math.min(fileSize, 22 + 65535);
        ByteBuffer end = read(ch, fileSize - tail, tail);
        int eocd = -1;
        for (int p = tail - 22; p >= 0; p--) {
            if (end.getInt(p) == EOCD_SIG && p + 22 + (end.getShort(p + 20) & 0xffff) == tail) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) {
            throw bad("no zip end-of-central-directory record (not a zip file, or truncated)");
        }
        long count = end.getShort(eocd + 10) & 0xffff;
        long cenSize = end.getInt(eocd + 12) & 0xffffffffL;
        long cenOffset = end.getInt(eocd + 16) & 0xffffffffL;
        long eocdPos = fileSize - tail + eocd;
        if ((count == 0xffff || cenSize == 0xffffffffL || cenOffset == 0xffffffffL) && eocdPos >= 20) {
            ByteBuffer loc = read(ch, eocdPos - 20, 20);
            if (loc.getInt(0) == ZIP64_LOCATOR_SIG) {
                long z64 = loc.getLong(8);
                if (z64 < 0 || z64 + 56 > fileSize) {
                    throw bad("ZIP64 end record points outside the file");
                }
                ByteBuffer r = read(ch, z64, 56);
                if (r.getInt(0) != ZIP64_EOCD_SIG) {
                    throw bad("bad ZIP64 end record");
                }
                count = r.getLong(32);
                cenSize = r.getLong(40);
                cenOffset = r.getLong(48);
            }
        }
        if (cenOffset < 0 || cenSize < 0 || cenOffset + cenSize > fileSize || cenSize > Integer.MAX_VALUE) {
            throw bad("central directory outside the file");
        }
        ByteBuffer cen = read(ch, cenOffset, (int) cenSize);
        List<Entry> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cen.limit() || cen.getInt(p) != CEN_SIG) {
                throw bad("bad central directory entry " + i);
            }
            int method = cen.getShort(p + 10) & 0xffff;
            long csize = cen.getInt(p + 20) & 0xffffffffL;
            long usize = cen.getInt(p + 24) & 0xffffffffL;
            int nameLen = cen.getShort(p + 28) & 0xffff;
            int extraLen = cen.getShort(p + 30) & 0xffff;
            int commentLen = cen.getShort(p + 32) & 0xffff;
            long localOffset = cen.getInt(p + 42) & 0xffffffffL;
            if (p + 46 + nameLen + extraLen + commentLen > cen.limit()) {
                throw bad("central directory entry " + i + " runs past its end");
            }
            byte[] nameBytes = new byte[nameLen];
            cen.get(p + 46, nameBytes);
            String name = new String(nameBytes, java.nio.charset.StandardCharsets.UTF_8);
            // ZIP64 extra field: the 64-bit values of the fields set to 0xffffffff, in this order.
            int x = p + 46 + nameLen;
            int xEnd = x + extraLen;
            while (x + 4 <= xEnd) {
                int id = cen.getShort(x) & 0xffff;
                int len = cen.getShort(x + 2) & 0xffff;
                if (id == 0x0001) {
                    int q = x + 4;
                    if (usize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        usize = cen.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        csize = cen.getLong(q);
                        q += 8;
                    }
                    if (localOffset == 0xffffffffL && q + 8 <= x + 4 + len) {
                        localOffset = cen.getLong(q);
                    }
                }
                x += 4 + len;
            }
            p += 46 + nameLen + extraLen + commentLen;
            if (name.endsWith("/") || !name.endsWith(SUFFIX)) {
                continue;
            }
            if (!seen.add(name)) {
                throw bad("duplicate entry '" + name + "' in .npz");
            }
            if (method != ZipEntry.STORED && method != ZipEntry.DEFLATED) {
                throw bad("entry '" + name + "' uses unsupported zip method " + method);
            }
            if (localOffset < 0 || localOffset + 30 > fileSize) {
                throw bad("entry '" + name + "' starts outside the file");
            }
            ByteBuffer loc = read(ch, localOffset, 30);
            if (loc.getInt(0) != LOC_SIG) {
                throw bad("entry '" + name + "' has no local header at " + localOffset);
            }
            long dataOffset = localOffset + 30 + (loc.getShort(26) & 0xffff) + (loc.getShort(28) & 0xffff);
            if (method == ZipEntry.STORED && csize != usize) {
                throw bad("stored entry '" + name + "' has different sizes (" + csize + ", " + usize + ")");
            }
            if (dataOffset + csize > cenOffset || csize > MAX_WINDOW) {
                throw bad("entry '" + name + "' of " + csize + " bytes runs past the entries' end");
            }
            out.add(new Entry(name, method, dataOffset, csize));
        }
        return out;
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw bad("unexpected end of file at " + (position + b.position()));
            }
        }
        return b.flip();
    }

    private static java.util.zip.ZipException bad(String why) {
        return new java.util.zip.ZipException("not a readable .npz: " + why);
    }
}
