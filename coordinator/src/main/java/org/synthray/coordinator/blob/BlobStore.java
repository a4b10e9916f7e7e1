package org.synthray.coordinator.blob;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;

/**
 * Where the coordinator keeps blobs (model versions, updates, later synthetic images): immutable
 * byte strings named by the SHA-256 of their content.
 *
 * <ul>
 *   <li><b>Content-addressed and deduplicated</b>: a blob is stored once however often it is put.</li>
 *   <li><b>Verified before visible</b>: bytes become a blob only after their SHA-256 (and size) matched;
 *       until then they live under a staging name that {@link #exists} and {@link #open} never see.</li>
 *   <li><b>Atomic</b>: a blob is visible complete or not at all, also after a crash.</li>
 *   <li><b>Resumable</b>: an {@link Upload} keeps what it received across lost connections (and
 *       restarts), so a sender continues from {@link Upload#confirmedOffset()}.</li>
 * </ul>
 *
 * <p>The interface speaks streams, not files, so that an object store can implement it:
 * {@link S3BlobStore} stages an upload as part objects (confirmed offset = bytes in stored parts),
 * verifies with a digest kept alongside, and publishes by joining the parts into the final key. {@link #localFile} is the one
 * optional, file-specific capability (memory-mapping a model); stores without local files return
 * empty and callers fall back to {@link #open}.
 *
 * <p>Every method taking a hash refuses anything but 64 lowercase hex digits with
 * {@link IllegalArgumentException}, so a name can never reach outside the store.
 */
public interface BlobStore {

    /** True when the complete, verified blob is stored. */
    boolean exists(String sha256) throws IOException;

    /** Size of the stored blob; empty when it is not stored. */
    OptionalLong size(String sha256) throws IOException;

    /**
     * Reads a stored blob from {@code offset} to its end.
     *
     * @throws NoSuchBlobException      when the blob is not stored
     * @throws IllegalArgumentException when {@code offset} is negative or past the end
     */
    InputStream open(String sha256, long offset) throws IOException;

    /** A local file holding the blob, to memory-map it; empty when this store has none or the blob is absent. */
    default Optional<Path> localFile(String sha256) throws IOException {
        return Optional.empty();
    }

    /** Removes a blob. @return false when it was not stored */
    boolean delete(String sha256) throws IOException;

    /**
     * Stores the bytes of {@code in} (read to its end, not closed) as the blob {@code expected}.
     * When the blob is already stored, returns at once without reading.
     *
     * @throws BlobIntegrityException when the bytes have another size or SHA-256; nothing is kept
     */
    default BlobRef put(BlobRef expected, InputStream in) throws IOException {
        if (exists(expected.sha256())) {
            return expected;
        }
        return write(out -> in.transferTo(out), expected);
    }

    /** Stores bytes whose hash is not known beforehand: they are hashed while they are written. */
    default BlobRef write(BlobWriter writer) throws IOException {
        return write(writer, null);
    }

    /**
     * Stores what {@code writer} writes, hashing it on the way; the one way bytes enter a store in one
     * piece ({@link #put}, {@link #write(BlobWriter)}). Nothing is kept when it fails.
     *
     * @param expected the blob the bytes must be, or null to accept any
     * @throws BlobIntegrityException when the bytes are not {@code expected}
     */
    BlobRef write(BlobWriter writer, BlobRef expected) throws IOException;

    /** Writes a blob's bytes to the stream the store provides (do not close it). */
    @FunctionalInterface
    interface BlobWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Starts or resumes the upload of {@code expected}. Only one upload of a given blob runs at a
     * time; bytes staged by an earlier, interrupted upload of the same hash and size are kept and
     * the upload continues after them. A staged upload with another declared size is discarded.
     *
     * @return empty when the blob is already stored (nothing to upload)
     * @throws UploadInProgressException when another upload of this blob is open
     */
    Optional<Upload> beginUpload(BlobRef expected) throws IOException;

    /** The state of an unfinished upload of {@code sha256}; empty when there is none. */
    Optional<Staged> staged(String sha256) throws IOException;

    /** An unfinished upload: its declared blob and how many bytes are held. */
    record Staged(BlobRef blob, long confirmedOffset) {
    }

    /**
     * One session of a resumable upload. Bytes are appended in order; the session is used by one
     * thread at a time.
     */
    interface Upload extends Closeable {
        /** The blob being uploaded (declared hash and size). */
        BlobRef blob();

        /** Bytes received so far: the offset the next {@link #write} appends at. */
        long offset();

        /**
         * Bytes stored so that a later session resumes after them. For a filesystem this equals
         * {@link #offset()}; an object store may lag by less than one part.
         */
        long confirmedOffset();

        /**
         * Appends all remaining bytes of {@code data} at {@link #offset()}.
         *
         * @throws IllegalArgumentException when the bytes would run past the declared size
         */
        void write(ByteBuffer data) throws IOException;

        /**
         * After the last byte: checks size and SHA-256 and publishes the blob atomically. Ends the session.
         *
         * @throws BlobIntegrityException when the bytes do not match the declared blob: the staged
         *                                bytes are discarded, a new upload starts from 0
         * @throws IllegalStateException  when bytes are missing
         */
        BlobRef complete() throws IOException;

        /** Ends the session, keeping the staged bytes for a later one. Idempotent. */
        @Override
        void close() throws IOException;

        /** Ends the session and drops the staged bytes. */
        void discard() throws IOException;
    }

    /** The blob is not stored. */
    class NoSuchBlobException extends java.io.FileNotFoundException {
        public NoSuchBlobException(String sha256) {
            super("no blob " + sha256);
        }
    }

    /** Another session is uploading the same blob. */
    class UploadInProgressException extends IOException {
        public UploadInProgressException(String sha256) {
            super("another upload of blob " + sha256 + " is in progress");
        }
    }
}
