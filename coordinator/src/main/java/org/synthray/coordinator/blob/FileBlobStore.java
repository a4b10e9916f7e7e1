package org.synthray.coordinator.blob;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;
import org.synthray.blob.HashingOutputStream;
import org.synthray.blob.Sha256;

/**
 * {@link BlobStore} on a local filesystem.
 *
 * <pre>
 * root/objects/ab/abcdef…   complete, verified blobs, fanned out by the first two hex digits
 * root/staging/&lt;sha256&gt;-&lt;size&gt;.part   unfinished resumable uploads (kept across restarts)
 * root/tmp/                 one-shot writes in progress (emptied at start)
 * </pre>
 *
 * A blob becomes visible by an atomic rename into {@code objects/} after its bytes were forced to
 * disk and their SHA-256 checked; readers never see a partial blob. Names are validated before
 * they touch a path, so no input can address a file outside the root.
 */
public final class FileBlobStore implements BlobStore {
    private static final Logger LOG = Logger.getLogger(FileBlobStore.class.getName());
    private static final String PART = ".part";

    private final Path objects;
    private final Path staging;
    private final Path tmp;
    /** Open upload sessions, one per hash. */
    private final OpenUploads<FsUpload> active = new OpenUploads<>();
    /** Digest state of interrupted uploads, so a resume need not re-read what is staged. */
    private final Map<String, Resume> resumable = new ConcurrentHashMap<>();

    private record Resume(long offset, MessageDigest digest) {
    }

    /** Staged bytes are pushed to disk in the background every this many bytes. */
    private static final long FLUSH_BYTES = 32L << 20;
    /**
     * Forces staged bytes to disk while the upload goes on, so the disk works in parallel with the
     * network and the final force before publishing has little left to do.
     */
    private final java.util.concurrent.ExecutorService flusher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "blob-flush");
        t.setDaemon(true);
        return t;
    });

    public FileBlobStore(Path root) throws IOException {
        Path r = root.toAbsolutePath().normalize();
        this.objects = Files.createDirectories(r.resolve("objects"));
        this.staging = Files.createDirectories(r.resolve("staging"));
        this.tmp = Files.createDirectories(r.resolve("tmp"));
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(tmp)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The file holding a complete blob (it may not exist). */
    Path objectPath(String sha256) {
        Sha256.requireValid(sha256);
        return objects.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private Path stagingPath(BlobRef blob) {
        return staging.resolve(blob.sha256() + "-" + blob.size() + PART);
    }

    @Override
    public boolean exists(String sha256) {
        return Files.isRegularFile(objectPath(sha256));
    }

    @Override
    public OptionalLong size(String sha256) throws IOException {
        try {
            return OptionalLong.of(Files.size(objectPath(sha256)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(objectPath(sha256), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchBlobException(sha256);
        }
        long size = ch.size();
        if (offset < 0 || offset > size) {
            ch.close();
            throw new IllegalArgumentException("offset " + offset + " outside blob " + sha256 + " of " + size + " bytes");
        }
        return Channels.newInputStream(ch.position(offset));
    }

    @Override
    public Optional<Path> localFile(String sha256) {
        Path p = objectPath(sha256);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        return Files.deleteIfExists(objectPath(sha256));
    }

    /** Writes to a private temporary file while hashing, checks, then renames into place. */
    @Override
    public BlobRef write(BlobWriter writer, BlobRef expected) throws IOException {
        Path t = tmp.resolve(UUID.randomUUID() + ".tmp");
        try {
            BlobRef actual;
            try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 HashingOutputStream out = new HashingOutputStream(
                         new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20))) {
                writer.writeTo(out);
                out.flush();
                ch.force(true);
                actual = out.ref();
            }
            if (expected != null && !expected.equals(actual)) {
                throw new BlobIntegrityException(expected, actual);
            }
            publish(t, actual);
            return actual;
        } finally {
            Files.deleteIfExists(t);
        }
    }

    /** Atomic rename of verified bytes to the blob's name; an existing copy (same bytes) is kept. */
    private void publish(Path verified, BlobRef blob) throws IOException {
        Path target = objectPath(blob.sha256());
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            Files.deleteIfExists(verified); // deduplicated: identical content is already there
            return;
        }
        Files.move(verified, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.getParent());
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform lets a directory be synced; the rename itself is still atomic.
        }
    }

    @Override
    public Optional<Upload> beginUpload(BlobRef expected) throws IOException {
        return active.begin(this, expected, FsUpload::new, FsUpload::open);
    }

    @Override
    public Optional<Staged> staged(String sha256) throws IOException {
        Sha256.requireValid(sha256);
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(staging, sha256 + "-*" + PART)) {
            for (Path p : parts) {
                String n = p.getFileName().toString();
                long declared;
                try {
                    declared = Long.parseLong(n.substring(65, n.length() - PART.length()));
                } catch (NumberFormatException e) {
                    continue;
                }
                try {
                    return Optional.of(new Staged(new BlobRef(sha256, declared), Math.min(Files.size(p), declared)));
                } catch (NoSuchFileException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Deletes staged uploads untouched for longer than {@code age}. @return how many */
    public int purgeStaging(Duration age) throws IOException {
        int n = 0;
        FileTime cutoff = FileTime.from(Instant.now().minus(age));
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(staging, "*" + PART)) {
            for (Path p : parts) {
                String sha = p.getFileName().toString().substring(0, Math.min(64, p.getFileName().toString().length()));
                if (!active.isOpen(sha) && Files.getLastModifiedTime(p).compareTo(cutoff) < 0) {
                    Files.deleteIfExists(p);
                    resumable.remove(sha);
                    n++;
                }
            }
        }
        return n;
    }

    private final class FsUpload implements Upload {
        private final BlobRef blob;
        private final Path part;
        private FileChannel ch;
        private MessageDigest digest;
        private long offset;
        private boolean ended;
        private long unflushed;
        private final java.util.concurrent.atomic.AtomicBoolean flushing = new java.util.concurrent.atomic.AtomicBoolean();

        FsUpload(BlobRef blob) {
            this.blob = blob;
            this.part = stagingPath(blob);
        }

        void open() throws IOException {
            // Staged bytes of another declared size cannot be this blob: drop them.
            Optional<Staged> other = staged(blob.sha256());
            if (other.isPresent() && other.get().blob().size() != blob.size()) {
                LOG.info(() -> "discarding staged upload " + other.get().blob() + ": now declared with "
                        + blob.size() + " bytes");
                Files.deleteIfExists(stagingPath(other.get().blob()));
                resumable.remove(blob.sha256());
            }
            try {
                ch = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
            } catch (FileAlreadyExistsException e) {
                ch = FileChannel.open(part, StandardOpenOption.WRITE, StandardOpenOption.READ);
            }
            long held = ch.size();
            if (held > blob.size()) { // cannot be a prefix of this blob
                ch.truncate(0);
                held = 0;
            }
            Resume r = resumable.remove(blob.sha256());
            if (r != null && r.offset == held) {
                digest = r.digest;
            } else {
                digest = Sha256.newDigest(); // after a restart: hash what is staged once
                Sha256.update(digest, part, held);
            }
            offset = held;
            ch.position(offset);
        }

        @Override
        public BlobRef blob() {
            return blob;
        }

        @Override
        public long offset() {
            return offset;
        }

        @Override
        public long confirmedOffset() {
            return offset;
        }

        @Override
        public void write(ByteBuffer data) throws IOException {
            checkOpen();
            int n = data.remaining();
            if (offset + n > blob.size()) {
                throw new IllegalArgumentException("data runs past the declared size " + blob.size()
                        + " (offset " + offset + " + " + n + " bytes)");
            }
            ByteBuffer forHash = data.duplicate();
            while (data.hasRemaining()) {
                ch.write(data);
            }
            digest.update(forHash);
            offset += n;
            unflushed += n;
            if (unflushed >= FLUSH_BYTES && flushing.compareAndSet(false, true)) {
                unflushed = 0;
                FileChannel c = ch;
                flusher.execute(() -> {
                    try {
                        c.force(false);
                    } catch (IOException e) {
                        // closed meanwhile, or a disk error the final force will report
                    } finally {
                        flushing.set(false);
                    }
                });
            }
        }

        @Override
        public BlobRef complete() throws IOException {
            checkOpen();
            if (offset != blob.size()) {
                throw new IllegalStateException("upload of " + blob + " holds only " + offset + " bytes");
            }
            BlobRef actual = new BlobRef(Sha256.hex(digest), offset);
            if (!actual.equals(blob)) {
                discard();
                throw new BlobIntegrityException(blob, actual);
            }
            try {
                ch.force(true);
                ch.close();
                publish(part, blob);
            } finally {
                end();
            }
            return blob;
        }

        @Override
        public void close() throws IOException {
            if (ended) {
                return;
            }
            try {
                ch.close();
                if (offset == 0) {
                    Files.deleteIfExists(part); // nothing to resume from
                } else {
                    resumable.put(blob.sha256(), new Resume(offset, digest));
                }
            } finally {
                end();
            }
        }

        @Override
        public void discard() throws IOException {
            if (ended) {
                return;
            }
            try {
                ch.close();
                Files.deleteIfExists(part);
                resumable.remove(blob.sha256());
            } finally {
                end();
            }
        }

        private void end() {
            ended = true;
            active.ended(blob.sha256(), this);
        }

        private void checkOpen() {
            if (ended) {
                throw new IllegalStateException("upload session of " + blob + " has ended");
            }
        }
    }
}
