package org.synthray.coordinator.federation.strategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * A round's updates kept on disk, for strategies that need all of them at once (coordinate-wise
 * median, trimmed mean, Krum). Each update is written, as it arrives, to its own file in a temporary
 * directory of the spill root: the tensors' little-endian bytes one after the other, in model order.
 * Statistics then read the same range of elements from every file, one chunk at a time, so the heap
 * holds the result model plus {@code updates × chunk} numbers per worker thread, whatever the model
 * size.
 *
 * <p>Files are removed, with their directory, by {@link #close()}; a cleaner does the same if an
 * instance is dropped without being closed. Disk use is one model per update for the length of the
 * round. Only a coordinator that is killed mid-round leaves its directory
 * ({@code synthray-<strategy>-round<r>-*}) behind.
 */
final class SpilledUpdates implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    /** Largest slice handed to one write, so the JDK's temporary direct buffer stays small. */
    private static final int WRITE_SLICE = 1 << 20;
    /** Heap budget for one chunk of rows (all updates): bounds memory whatever the number of sites. */
    private static final long CHUNK_BUDGET_BYTES = 16L << 20;

    private final Weights template;
    private final long[] offsets;
    private final Path root;
    private final String prefix;
    private final SpillFiles files = new SpillFiles();
    private final Cleaner.Cleanable cleanable;
    private final List<String> clientIds = new ArrayList<>();
    private final List<Long> examples = new ArrayList<>();

    /** What the cleaner needs, without a reference back to the instance. */
    private static final class SpillFiles implements Runnable {
        final List<FileChannel> channels = new ArrayList<>();
        final List<Path> paths = new ArrayList<>();
        Path dir;

        @Override
        public void run() {
            for (FileChannel c : channels) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // best effort: the file is deleted below
                }
            }
            for (Path p : paths) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            channels.clear();
            paths.clear();
        }
    }

    SpilledUpdates(Weights template, Path root, String prefix) {
        this.template = template;
        this.root = root;
        this.prefix = prefix;
        this.offsets = new long[template.size() + 1];
        for (int i = 0; i < template.size(); i++) {
            offsets[i + 1] = offsets[i] + template.get(i).byteSize();
        }
        this.cleanable = CLEANER.register(this, files);
    }

    /** Writes the update to a new spill file. */
    void add(ClientUpdate update) {
        try {
            if (files.dir == null) {
                Files.createDirectories(root);
                files.dir = Files.createTempDirectory(root, prefix);
            }
            Path p = files.dir.resolve(String.format("update-%04d.bin", files.paths.size()));
            FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            files.paths.add(p);
            files.channels.add(ch);
            long pos = 0;
            for (Tensor t : update.weights()) {
                ByteBuffer data = t.data();
                while (data.hasRemaining()) {
                    ByteBuffer slice = data.slice();
                    slice.limit(Math.min(slice.limit(), WRITE_SLICE));
                    int n = slice.remaining();
                    while (slice.hasRemaining()) {
                        pos += ch.write(slice, pos);
                    }
                    data.position(data.position() + n);
                }
            }
            if (pos != offsets[offsets.length - 1]) {
                throw new IllegalStateException("spilled " + pos + " bytes for a model of " + offsets[offsets.length - 1]);
            }
            clientIds.add(update.clientId());
            examples.add(update.numExamples());
        } catch (IOException e) {
            throw new UncheckedIOException("could not spill the update of " + update.clientId() + " to " + root
                    + ": " + e.getMessage(), e);
        }
    }

    int size() {
        return files.channels.size();
    }

    Weights template() {
        return template;
    }

    String clientId(int k) {
        return clientIds.get(k);
    }

    long examples(int k) {
        return examples.get(k);
    }

    /** The spill files now on disk (for tests and logs). */
    List<Path> paths() {
        return List.copyOf(files.paths);
    }

    /** Elements per chunk so that {@code rows × chunk} doubles of every worker stay within the budget. */
    int chunkElements(int rows) {
        long perRow = CHUNK_BUDGET_BYTES / 8 / Math.max(1, rows) / SpillingStrategy.WORKERS;
        return (int) Math.max(1024, Math.min(1 << 16, perRow));
    }

    /** A {@code rows × chunkElements(rows)} buffer for {@link #read}. */
    double[][] rows(int rows) {
        return new double[rows][chunkElements(rows)];
    }

    /**
     * A reader with its own buffers: readers may be used on different threads at once (positional
     * reads on a shared channel are safe), one reader by one thread only.
     */
    Reader reader() {
        return new Reader();
    }

    final class Reader {
        private final ByteBuffer[] buffers = new ByteBuffer[size()];

        /** Elements {@code [from, from + len)} of tensor {@code i} of update {@code k}, as doubles, into {@code out}. */
        void read(int k, int i, int from, int len, double[] out) {
            Tensor t = template.get(i);
            int item = t.dtype().itemSize();
            ByteBuffer buf = buffers[k];
            int bytes = len * item;
            if (buf == null || buf.capacity() < bytes) {
                buf = ByteBuffer.allocateDirect(Math.max(bytes, 8 * 1024)).order(ByteOrder.LITTLE_ENDIAN);
                buffers[k] = buf;
            }
            buf.clear().limit(bytes);
            long pos = offsets[i] + (long) from * item;
            try {
                FileChannel ch = files.channels.get(k);
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, pos + buf.position());
                    if (n < 0) {
                        throw new IOException("spill file " + files.paths.get(k) + " ended early");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read back a spilled update: " + e.getMessage(), e);
            }
            buf.flip();
            TensorValues.read(buf.slice().order(ByteOrder.LITTLE_ENDIAN), t.dtype(), 0, out, len);
        }
    }

    /** Deletes the spill files and their directory. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
