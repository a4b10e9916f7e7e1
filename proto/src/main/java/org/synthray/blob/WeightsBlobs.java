package org.synthray.blob;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.synthray.tensor.MappedNpz;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;

/**
 * {@link Weights} ↔ blob bytes. A model travels as a blob in the {@code .npz} format of
 * {@link Npz#write} (uncompressed, entries in model order, names kept, readable by
 * {@code numpy.load}), so a blob is also a checkpoint anyone can open.
 *
 * <p>Writing streams the tensors straight to the file while hashing them: the model is never held a
 * second time in memory, and the blob's SHA-256 is known when the last byte is written. Reading
 * memory-maps the file ({@link MappedNpz}): tensor data stays off the heap.
 */
public final class WeightsBlobs {
    private WeightsBlobs() {
    }

    /**
     * Writes {@code weights} as an {@code .npz} to {@code out}, hashing every byte on the way.
     * {@code out} is not closed.
     */
    public static BlobRef write(Weights weights, OutputStream out) throws IOException {
        HashingOutputStream hashing = new HashingOutputStream(out);
        Npz.write(weights, hashing);
        hashing.flush();
        return hashing.ref();
    }

    /**
     * Writes {@code weights} as an {@code .npz} file and returns its blob ref. The file appears
     * under its name complete or not at all (written beside it, then moved atomically).
     */
    public static BlobRef write(Weights weights, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        BlobRef ref;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            ref = write(weights, out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return ref;
    }

    /**
     * Opens a model blob held in a local file without copying its tensors onto the heap.
     *
     * @param names tensor names in order (Flower carries none), or null to keep the names in the file
     */
    public static Weights map(Path file, List<String> names) throws IOException {
        return MappedNpz.read(file, names);
    }

    /**
     * Like {@link #map} after checking that the file is exactly the blob {@code expected}: for a
     * file that did not come through a verifying transfer.
     *
     * @throws BlobIntegrityException when size or SHA-256 differ
     */
    public static Weights mapVerified(Path file, BlobRef expected, List<String> names) throws IOException {
        BlobRef actual = Sha256.of(file);
        if (!actual.equals(expected)) {
            throw new BlobIntegrityException(expected, actual);
        }
        return map(file, names);
    }
}
