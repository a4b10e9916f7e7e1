package org.synthray.coordinator.blob;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;
import org.synthray.blob.HashingOutputStream;
import org.synthray.blob.Sha256;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@link BlobStore} on an S3 bucket (AWS S3, MinIO, Ceph RGW, s3proxy…), through the AWS SDK v2.
 *
 * <pre>
 * [prefix]objects/&lt;sha256&gt;                  complete, verified blobs
 * [prefix]staging/&lt;sha256&gt;-&lt;size&gt;/000001…   parts of an unfinished resumable upload (plain objects)
 * [prefix]tmp/&lt;uuid&gt;/000001…                one-shot writes in progress
 * </pre>
 *
 * <p>Bytes arrive in order and are hashed as they come. Every {@code partBytes} they are stored as
 * one staging object; those objects are what a later session (also after a restart of the
 * coordinator) resumes after, so the confirmed offset lags the received one by less than a part.
 * Staged parts are ordinary objects, so after a restart the digest is rebuilt by reading them once.
 * When the last byte has arrived and size and SHA-256 match, the parts are joined server-side into
 * the final key (a multipart upload of {@code UploadPartCopy}s, or one copy), then deleted: a blob
 * under {@code objects/} is always complete and verified. Identical content is stored once.
 *
 * <p>S3 requires every part but the last to hold at least 5 MiB, hence the lower bound on
 * {@code partBytes}. Memory: one part buffer per running upload.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(S3BlobStore.class.getName());
    /** S3's smallest part (all but the last). */
    public static final int MIN_PART_BYTES = 5 << 20;
    /** S3's largest single copy. */
    private static final long MAX_COPY_BYTES = 5L << 30;

    /** How to reach the bucket. */
    public record Settings(Optional<URI> endpoint, String bucket, String region, Optional<String> accessKeyId,
                           Optional<String> secretAccessKey, boolean pathStyle, String keyPrefix, int partBytes,
                           boolean createBucket) {
        public Settings {
            if (bucket == null || bucket.isBlank()) {
                throw new IllegalArgumentException("the S3 blob store needs a bucket (synthray.blobs.s3.bucket)");
            }
            if (partBytes < MIN_PART_BYTES) {
                throw new IllegalArgumentException("S3 parts must hold at least " + MIN_PART_BYTES + " bytes, got "
                        + partBytes + " (synthray.blobs.s3.part-bytes)");
            }
            keyPrefix = keyPrefix == null ? "" : keyPrefix;
            if (!keyPrefix.isEmpty() && !keyPrefix.endsWith("/")) {
                keyPrefix = keyPrefix + "/";
            }
        }
    }

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final int partBytes;
    private final OpenUploads<S3Upload> active = new OpenUploads<>();
    /** Digest state at the confirmed offset of interrupted uploads (avoids re-reading staged parts). */
    private final Map<String, Resume> resumable = new ConcurrentHashMap<>();

    private record Resume(long offset, MessageDigest digest) {
    }

    public S3BlobStore(Settings settings) {
        S3ClientBuilder b = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofMinutes(2)))
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                // Hashes are checked by SynthRay itself; S3-compatible servers differ in the newer checksums.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        settings.endpoint().ifPresent(b::endpointOverride);
        AwsCredentialsProvider credentials = settings.accessKeyId().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId().get(),
                        settings.secretAccessKey().orElseThrow(() -> new IllegalArgumentException(
                                "synthray.blobs.s3.access-key-id is set but not synthray.blobs.s3.secret-access-key"))))
                : DefaultCredentialsProvider.builder().build();
        b.credentialsProvider(credentials);
        this.s3 = b.build();
        this.bucket = settings.bucket();
        this.prefix = settings.keyPrefix();
        this.partBytes = settings.partBytes();
        if (settings.createBucket()) {
            try {
                s3.headBucket(r -> r.bucket(bucket));
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                s3.createBucket(r -> r.bucket(bucket));
                LOG.info(() -> "created bucket " + bucket);
            }
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private String objectKey(String sha256) {
        Sha256.requireValid(sha256);
        return prefix + "objects/" + sha256;
    }

    private String stagingPrefix(BlobRef blob) {
        return prefix + "staging/" + blob.sha256() + "-" + blob.size() + "/";
    }

    private static String partKey(String dir, int number) {
        return dir + String.format("%06d", number);
    }

    /** Runs an SDK call, turning its unchecked failures into IOExceptions the callers already handle. */
    private interface Call<T> {
        T run();
    }

    private <T> T io(String what, Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (SdkException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    private Optional<HeadObjectResponse> head(String key) throws IOException {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("cannot read s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("cannot reach the S3 blob store: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(String sha256) throws IOException {
        return head(objectKey(sha256)).isPresent();
    }

    @Override
    public OptionalLong size(String sha256) throws IOException {
        return head(objectKey(sha256)).map(h -> OptionalLong.of(h.contentLength())).orElse(OptionalLong.empty());
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        String key = objectKey(sha256);
        long size = size(sha256).orElseThrow(() -> new NoSuchBlobException(sha256));
        if (offset < 0 || offset > size) {
            throw new IllegalArgumentException("offset " + offset + " outside blob " + sha256 + " of " + size + " bytes");
        }
        if (offset == size) {
            return InputStream.nullInputStream(); // an empty range is not a valid HTTP range
        }
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key).range(offset == 0 ? null : "bytes=" + offset + "-"));
        } catch (NoSuchKeyException e) {
            throw new NoSuchBlobException(sha256);
        } catch (SdkException e) {
            throw new IOException("cannot read blob " + sha256 + " from S3: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        String key = objectKey(sha256);
        if (head(key).isEmpty()) {
            return false;
        }
        io("cannot delete blob " + sha256, () -> s3.deleteObject(r -> r.bucket(bucket).key(key)));
        return true;
    }

    @Override
    public BlobRef write(BlobWriter writer, BlobRef expected) throws IOException {
        String dir = prefix + "tmp/" + UUID.randomUUID() + "/";
        PartSink sink = new PartSink(dir);
        try {
            BlobRef actual;
            try (HashingOutputStream out = new HashingOutputStream(sink)) {
                writer.writeTo(out);
                out.flush();
                sink.flushPart();
                actual = out.ref();
            }
            if (expected != null && !expected.equals(actual)) {
                throw new BlobIntegrityException(expected, actual);
            }
            assemble(sink.parts, actual);
            return actual;
        } finally {
            deleteParts(sink.parts);
        }
    }

    /** Buffers bytes into parts of {@code partBytes}, each stored as one object under {@code dir}. */
    private final class PartSink extends OutputStream {
        final String dir;
        final List<Part> parts = new ArrayList<>();
        final byte[] buffer = new byte[partBytes];
        int filled;

        PartSink(String dir) {
            this.dir = dir;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == buffer.length) {
                    flushPart();
                }
            }
        }

        /** Stores what is buffered as the next part (nothing when the buffer is empty). */
        void flushPart() throws IOException {
            if (filled == 0) {
                return;
            }
            String key = partKey(dir, parts.size() + 1);
            int n = filled;
            io("cannot store a part in S3", () -> s3.putObject(r -> r.bucket(bucket).key(key).contentLength((long) n),
                    RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, n), n)));
            parts.add(new Part(key, n));
            filled = 0;
        }
    }

    private record Part(String key, long size) {
    }

    /** Joins verified parts into the blob's final key (unless it is there already: same bytes). */
    private void assemble(List<Part> parts, BlobRef blob) throws IOException {
        String target = objectKey(blob.sha256());
        if (head(target).isPresent()) {
            return; // deduplicated
        }
        if (parts.isEmpty()) {
            io("cannot store blob " + blob, () -> s3.putObject(r -> r.bucket(bucket).key(target).contentLength(0L),
                    RequestBody.empty()));
            return;
        }
        if (parts.size() == 1 && parts.get(0).size() <= MAX_COPY_BYTES) {
            String source = parts.get(0).key();
            io("cannot publish blob " + blob, () -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(source)
                    .destinationBucket(bucket).destinationKey(target)));
            return;
        }
        String uploadId = io("cannot publish blob " + blob,
                () -> s3.createMultipartUpload(r -> r.bucket(bucket).key(target)).uploadId());
        try {
            List<CompletedPart> done = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                int number = i + 1;
                String source = parts.get(i).key();
                String etag = io("cannot publish blob " + blob, () -> s3.uploadPartCopy(r -> r.sourceBucket(bucket)
                        .sourceKey(source).destinationBucket(bucket).destinationKey(target).uploadId(uploadId)
                        .partNumber(number)).copyPartResult().eTag());
                done.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            io("cannot publish blob " + blob, () -> s3.completeMultipartUpload(r -> r.bucket(bucket).key(target)
                    .uploadId(uploadId).multipartUpload(CompletedMultipartUpload.builder().parts(done).build())));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(target).uploadId(uploadId));
            } catch (SdkException ignored) {
                // the bucket's lifecycle rule for incomplete multipart uploads cleans up
            }
            throw e;
        }
        OptionalLong stored = size(blob.sha256());
        if (stored.isEmpty() || stored.getAsLong() != blob.size()) {
            throw new IOException("S3 stored blob " + blob + " with " + stored + " bytes");
        }
    }

    private void deleteParts(List<Part> parts) {
        for (Part p : parts) {
            try {
                s3.deleteObject(r -> r.bucket(bucket).key(p.key()));
            } catch (SdkException e) {
                LOG.warning(() -> "cannot delete " + p.key() + " (the staging purge will): " + e.getMessage());
            }
        }
    }

    private List<S3Object> list(String keyPrefix) throws IOException {
        return io("cannot list the S3 blob store", () -> {
            List<S3Object> all = new ArrayList<>();
            s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(keyPrefix)).contents().forEach(all::add);
            return all;
        });
    }

    /** The contiguous staged parts 1..n of an upload. */
    private List<Part> stagedParts(BlobRef blob) throws IOException {
        String dir = stagingPrefix(blob);
        TreeMap<Integer, S3Object> byNumber = new TreeMap<>();
        for (S3Object o : list(dir)) {
            try {
                byNumber.put(Integer.parseInt(o.key().substring(dir.length())), o);
            } catch (NumberFormatException e) {
                // not a part
            }
        }
        List<Part> parts = new ArrayList<>();
        int expected = 1;
        for (Map.Entry<Integer, S3Object> e : byNumber.entrySet()) {
            if (e.getKey() != expected++) {
                break; // a gap: later parts cannot be used
            }
            parts.add(new Part(e.getValue().key(), e.getValue().size()));
        }
        return parts;
    }

    /** Declared sizes of staged uploads of {@code sha256} (normally one). */
    private List<BlobRef> stagedDeclarations(String sha256) throws IOException {
        String dir = prefix + "staging/" + sha256 + "-";
        List<BlobRef> found = new ArrayList<>();
        for (S3Object o : list(dir)) {
            String rest = o.key().substring(dir.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                continue;
            }
            try {
                BlobRef b = new BlobRef(sha256, Long.parseLong(rest.substring(0, slash)));
                if (!found.contains(b)) {
                    found.add(b);
                }
            } catch (IllegalArgumentException e) {
                // not ours
            }
        }
        return found;
    }

    @Override
    public Optional<Upload> beginUpload(BlobRef expected) throws IOException {
        return active.begin(this, expected, S3Upload::new, S3Upload::open);
    }

    @Override
    public Optional<Staged> staged(String sha256) throws IOException {
        Sha256.requireValid(sha256);
        for (BlobRef declared : stagedDeclarations(sha256)) {
            long held = stagedParts(declared).stream().mapToLong(Part::size).sum();
            if (held > 0) {
                return Optional.of(new Staged(declared, Math.min(held, declared.size())));
            }
        }
        return Optional.empty();
    }

    /** Deletes staged parts and leftover one-shot writes older than {@code age}. @return objects deleted */
    public int purgeStaging(Duration age) throws IOException {
        Instant cutoff = Instant.now().minus(age);
        int n = 0;
        for (String dir : List.of(prefix + "staging/", prefix + "tmp/")) {
            for (S3Object o : list(dir)) {
                String rest = o.key().substring(dir.length());
                String sha = rest.length() >= 64 ? rest.substring(0, 64) : "";
                if (o.lastModified().isBefore(cutoff) && !active.isOpen(sha)) {
                    io("cannot purge " + o.key(), () -> s3.deleteObject(r -> r.bucket(bucket).key(o.key())));
                    resumable.remove(sha);
                    n++;
                }
            }
        }
        return n;
    }

    private final class S3Upload implements Upload {
        private final BlobRef blob;
        private final String dir;
        private final byte[] buffer = new byte[partBytes];
        private int filled;
        private List<Part> parts;
        private long confirmed;
        private MessageDigest digest;
        /** The digest over exactly the confirmed bytes, kept for a later session. */
        private MessageDigest confirmedDigest;
        private boolean ended;

        S3Upload(BlobRef blob) {
            this.blob = blob;
            this.dir = stagingPrefix(blob);
        }

        void open() throws IOException {
            for (BlobRef other : stagedDeclarations(blob.sha256())) {
                if (other.size() != blob.size()) {
                    LOG.info(() -> "discarding staged upload " + other + ": now declared with " + blob.size() + " bytes");
                    deleteParts(list(stagingPrefix(other)).stream().map(o -> new Part(o.key(), o.size())).toList());
                    resumable.remove(blob.sha256());
                }
            }
            parts = new ArrayList<>(stagedParts(blob));
            confirmed = parts.stream().mapToLong(Part::size).sum();
            if (confirmed > blob.size()) {
                deleteParts(parts);
                parts.clear();
                confirmed = 0;
            }
            Resume r = resumable.remove(blob.sha256());
            if (r != null && r.offset == confirmed) {
                digest = r.digest;
            } else {
                digest = Sha256.newDigest(); // after a restart: hash the staged parts once
                for (Part p : parts) {
                    try (InputStream in = io("cannot read " + p.key(), () -> s3.getObject(q -> q.bucket(bucket).key(p.key())))) {
                        byte[] b = new byte[1 << 16];
                        int n;
                        while ((n = in.read(b)) > 0) {
                            digest.update(b, 0, n);
                        }
                    }
                }
            }
            confirmedDigest = cloneOf(digest);
        }

        @Override
        public BlobRef blob() {
            return blob;
        }

        @Override
        public long offset() {
            return confirmed + filled;
        }

        @Override
        public long confirmedOffset() {
            return confirmed;
        }

        @Override
        public void write(ByteBuffer data) throws IOException {
            checkOpen();
            int n = data.remaining();
            if (offset() + n > blob.size()) {
                throw new IllegalArgumentException("data runs past the declared size " + blob.size()
                        + " (offset " + offset() + " + " + n + " bytes)");
            }
            while (data.hasRemaining()) {
                int k = Math.min(data.remaining(), buffer.length - filled);
                data.get(buffer, filled, k);
                digest.update(buffer, filled, k);
                filled += k;
                if (filled == buffer.length) {
                    stagePart();
                }
            }
        }

        private void stagePart() throws IOException {
            String key = partKey(dir, parts.size() + 1);
            int n = filled;
            io("cannot stage a part in S3", () -> s3.putObject(r -> r.bucket(bucket).key(key).contentLength((long) n),
                    RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, n), n)));
            parts.add(new Part(key, n));
            confirmed += n;
            filled = 0;
            confirmedDigest = cloneOf(digest);
        }

        @Override
        public BlobRef complete() throws IOException {
            checkOpen();
            if (offset() != blob.size()) {
                throw new IllegalStateException("upload of " + blob + " holds only " + offset() + " bytes");
            }
            BlobRef actual = new BlobRef(Sha256.hex(cloneOf(digest)), offset());
            if (!actual.equals(blob)) {
                discard();
                throw new BlobIntegrityException(blob, actual);
            }
            try {
                if (filled > 0) {
                    stagePart();
                }
                assemble(parts, blob);
                deleteParts(parts);
                resumable.remove(blob.sha256());
            } finally {
                end();
            }
            return blob;
        }

        @Override
        public void close() {
            if (ended) {
                return;
            }
            // The buffered tail (less than a part) is not stored; the next session resumes at the confirmed offset.
            if (confirmed > 0) {
                resumable.put(blob.sha256(), new Resume(confirmed, confirmedDigest));
            }
            end();
        }

        @Override
        public void discard() throws IOException {
            if (ended) {
                return;
            }
            try {
                deleteParts(list(dir).stream().map(o -> new Part(o.key(), o.size())).toList());
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

    private static MessageDigest cloneOf(MessageDigest d) {
        try {
            return (MessageDigest) d.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests must be cloneable", e);
        }
    }
}
