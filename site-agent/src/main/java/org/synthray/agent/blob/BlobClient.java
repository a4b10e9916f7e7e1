package org.synthray.agent.blob;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.synthray.agent.grpc.QueueObserver;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobMarshalling;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.Chunk;
import org.synthray.proto.blob.DownloadRequest;
import org.synthray.proto.blob.DownloadResponse;
import org.synthray.proto.blob.StatRequest;
import org.synthray.proto.blob.StatResponse;
import org.synthray.proto.blob.UploadOpen;
import org.synthray.proto.blob.UploadRequest;
import org.synthray.proto.blob.UploadResponse;

/**
 * A site's client of the coordinator's blob service ({@code synthray.v1.BlobService}): moves blobs
 * of any size in chunks, resumes after a lost connection from the offset the other side holds,
 * and verifies every blob's SHA-256.
 *
 * <ul>
 *   <li><b>Upload</b>: asks the server where to start (0, the bytes it kept from an interrupted
 *       upload, or "already stored"), sends the rest, and retries with exponential backoff and
 *       jitter after a dropped connection, each time from the server's confirmed offset. When the
 *       server refuses the bytes (hash mismatch), the upload starts again from 0.</li>
 *   <li><b>Download</b>: writes to {@code <target>.part}, resumes from its length, checks the
 *       SHA-256 at the end and moves the file to its name atomically; on a mismatch the partial
 *       file is dropped and the blob requested again.</li>
 * </ul>
 *
 * Calls block the calling thread (never a gRPC thread). One client may be used by several threads.
 */
public final class BlobClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BlobClient.class.getName());
    private static final int WINDOW = 4;

    /**
     * @param chunkBytes          largest chunk to send (the server's limit applies when lower)
     * @param maxAttempts         consecutive failed attempts without progress before giving up
     * @param maxIntegrityRetries transfers refused for a hash mismatch that are retried from 0
     * @param callTimeout         longest wait for the next message of a transfer
     */
    public record Options(String host, int port, String siteId, int chunkBytes, Duration initialBackoff,
                          Duration maxBackoff, int maxAttempts, int maxIntegrityRetries, Duration callTimeout) {
        public Options {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
            if (chunkBytes <= 0) {
                throw new IllegalArgumentException("chunkBytes must be > 0, got " + chunkBytes);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
            }
        }

        /** 4 MiB chunks, backoff 0.5 s to 30 s, 8 attempts without progress, 2 integrity retries. */
        public static Options of(String host, int port, String siteId) {
            return new Options(host, port, siteId, 4 << 20, Duration.ofMillis(500), Duration.ofSeconds(30), 8, 2,
                    Duration.ofMinutes(2));
        }

        public Options withChunkBytes(int bytes) {
            return new Options(host, port, siteId, bytes, initialBackoff, maxBackoff, maxAttempts,
                    maxIntegrityRetries, callTimeout);
        }

        public Options withBackoff(Duration initial, Duration max, int attempts) {
            return new Options(host, port, siteId, chunkBytes, initial, max, attempts, maxIntegrityRetries,
                    callTimeout);
        }
    }

    /** Makes the channel to the coordinator; called again when the previous one was shut down. */
    @FunctionalInterface
    public interface ChannelFactory {
        ManagedChannel open();
    }

    /** Progress callbacks, on the thread that called upload or download. */
    public interface Listener {
        /** The server told where this upload session starts. */
        default void uploadStarted(BlobRef blob, long offset) {
        }

        default void chunkSent(BlobRef blob, long offset, int length) {
        }

        /** The server holds {@code offset} bytes. */
        default void confirmed(BlobRef blob, long offset) {
        }

        default void chunkReceived(BlobRef blob, long offset, int length) {
        }

        /** A transfer failed and is retried. */
        default void retrying(BlobRef blob, int attempt, String reason) {
        }
    }

    /**
     * @param bytesSent     chunk bytes sent over all sessions (a resumed upload sends only what the
     *                      server lacked)
     * @param sessionStarts the offset each session started at
     * @param deduplicated  the server had the blob already
     */
    public record UploadResult(BlobRef blob, long bytesSent, List<Long> sessionStarts, boolean deduplicated) {
    }

    /**
     * @param bytesReceived chunk bytes received over all sessions
     * @param sessionStarts the offset each request started at (the partial file's length)
     */
    public record DownloadResult(BlobRef blob, Path file, long bytesReceived, List<Long> sessionStarts) {
    }

    /** A transfer that cannot succeed: refused by the server, or retries exhausted. */
    public static final class BlobTransferException extends IOException {
        private final Status.Code code;

        public BlobTransferException(String message, Status.Code code, Throwable cause) {
            super(message, cause);
            this.code = code;
        }

        /** The gRPC status of the last failure. */
        public Status.Code code() {
            return code;
        }
    }

    private final Options options;
    private final ChannelFactory channels;
    private final Listener listener;
    private final io.grpc.CallCredentials credentials;
    private ManagedChannel channel;

    public BlobClient(Options options) {
        this(options, null, null);
    }

    /**
     * @param channels null for a plaintext Netty channel to {@code host:port}
     * @param listener null for none
     */
    public BlobClient(Options options, ChannelFactory channels, Listener listener) {
        this(options, channels, listener, null);
    }

    /** @param credentials sent on every call (bearer tokens); null for none */
    public BlobClient(Options options, ChannelFactory channels, Listener listener, io.grpc.CallCredentials credentials) {
        this.options = options;
        this.credentials = credentials;
        this.channels = channels != null ? channels : () -> NettyChannelBuilder
                .forAddress(options.host(), options.port())
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .flowControlWindow(8 << 20)
                .build();
        this.listener = listener != null ? listener : new Listener() {
        };
    }

    /** The channel, with the site id header attached; a new one when the last was shut down. */
    private synchronized Channel channel() {
        if (channel == null || channel.isShutdown()) {
            channel = channels.open();
        }
        Channel ch = org.synthray.agent.grpc.CoordinatorChannels.withCredentials(channel, credentials);
        if (options.siteId() == null) {
            return ch;
        }
        Metadata headers = new Metadata();
        headers.put(org.synthray.auth.CallerHeaders.SITE_ID, options.siteId());
        return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private BlobServiceGrpc.BlobServiceStub stub() {
        return BlobServiceGrpc.newStub(channel());
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.shutdown();
            try {
                if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------------------------- Stat

    /** What the coordinator holds for {@code sha256}. */
    public StatResponse stat(String sha256) throws IOException {
        Sha256.requireValid(sha256);
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        stub().withDeadlineAfter(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .stat(StatRequest.newBuilder().setSha256(sha256).build(), new QueueObserver<StatRequest, StatResponse>(events));
        try {
            Object e = events.take();
            if (e instanceof Throwable t) {
                Status s = Status.fromThrowable(t);
                throw new BlobTransferException("stat of blob " + sha256 + " failed: " + describe(s), s.getCode(), t);
            }
            return (StatResponse) e;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    // ----------------------------------------------------------------------------------- Upload

    /** Uploads a file, hashing it first. */
    public UploadResult upload(Path file) throws IOException {
        return upload(BlobSource.of(file));
    }

    /**
     * Uploads {@code source}, resuming and retrying as needed.
     *
     * @throws BlobIntegrityException when the source's bytes do not match its declared hash
     * @throws BlobTransferException  when the server refuses the upload or retries are exhausted
     */
    public UploadResult upload(BlobSource source) throws IOException {
        BlobRef blob = source.ref();
        long sent = 0;
        List<Long> starts = new ArrayList<>();
        int failures = 0;
        int integrityRetries = 0;
        while (true) {
            UploadSession s = new UploadSession(source);
            try {
                boolean dedup = s.run();
                sent += s.sent;
                if (s.started >= 0) {
                    starts.add(s.started);
                }
                return new UploadResult(blob, sent, List.copyOf(starts), dedup);
            } catch (StatusRuntimeException e) {
                sent += s.sent;
                if (s.started >= 0) {
                    starts.add(s.started);
                }
                Status status = e.getStatus();
                if (status.getCode() == Status.Code.DATA_LOSS) {
                    // Read the source once more: when it is not the blob it names, resending cannot help;
                    // when it is, the bytes were damaged on the way (a read or transfer fault): send again.
                    BlobRef actual;
                    try (InputStream in = source.open(0)) {
                        actual = Sha256.of(in);
                    }
                    if (!actual.equals(blob)) {
                        throw new BlobIntegrityException(blob, actual);
                    }
                    if (++integrityRetries > options.maxIntegrityRetries()) {
                        throw new BlobTransferException("upload of " + blob + " refused " + integrityRetries
                                + " times: " + describe(status), status.getCode(), e);
                    }
                    listener.retrying(blob, integrityRetries, describe(status));
                    LOG.warning(() -> "coordinator refused " + blob + " (" + describe(status) + "); sending it again");
                    continue;
                }
                if (!retryable(status.getCode())) {
                    throw new BlobTransferException("upload of " + blob + " refused: " + describe(status),
                            status.getCode(), e);
                }
                failures = s.progressed ? 1 : failures + 1;
                if (failures >= options.maxAttempts()) {
                    throw new BlobTransferException("upload of " + blob + " failed " + failures
                            + " times in a row: " + describe(status), status.getCode(), e);
                }
                long delay = backoffMillis(failures);
                int attempt = failures;
                listener.retrying(blob, attempt, describe(status));
                LOG.info(() -> "upload of " + blob.shortName() + " interrupted at " + s.confirmed + " bytes ("
                        + describe(status) + "); retry " + attempt + " in " + delay + " ms");
                sleep(delay);
            }
        }
    }

    /** One Upload call. Throws StatusRuntimeException for anything the retry loop decides about. */
    private final class UploadSession {
        private final BlobSource source;
        private final BlobRef blob;
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private final Object readyLock = new Object();
        private ClientCallStreamObserver<UploadRequest> requests;
        long started = -1;
        long sent;
        long confirmed;
        boolean progressed;

        UploadSession(BlobSource source) {
            this.source = source;
            this.blob = source.ref();
        }

        boolean run() throws IOException {
            // Ready while less than two chunks are queued, so reading the next one overlaps sending.
            stub().withOnReadyThreshold(2 * options.chunkBytes()).upload(new QueueObserver<UploadRequest, UploadResponse>(events) {
                @Override
                public void beforeStart(ClientCallStreamObserver<UploadRequest> r) {
                    requests = r;
                    r.setOnReadyHandler(() -> {
                        synchronized (readyLock) {
                            readyLock.notifyAll();
                        }
                    });
                }

                @Override
                public void onError(Throwable t) {
                    super.onError(t);
                    synchronized (readyLock) {
                        readyLock.notifyAll();
                    }
                }
            });
            try {
                requests.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder()
                        .setSha256(blob.sha256()).setSize(blob.size())).build());
                UploadResponse first = expectResponse(next());
                started = first.getConfirmedOffset();
                confirmed = started;
                listener.uploadStarted(blob, started);
                if (first.getComplete()) { // deduplicated: the server has it
                    requests.onCompleted();
                    awaitEnd();
                    return true;
                }
                if (started < 0 || started > blob.size()) {
                    throw Status.INTERNAL.withDescription("server reported offset " + started).asRuntimeException();
                }
                int chunk = first.getMaxChunkBytes() > 0 ? Math.min(first.getMaxChunkBytes(), options.chunkBytes())
                        : options.chunkBytes();
                long offset = started;
                try (InputStream in = source.open(offset)) {
                    while (offset < blob.size()) {
                        int n = (int) Math.min(chunk, blob.size() - offset);
                        byte[] buf = new byte[n];
                        if (in.readNBytes(buf, 0, n) != n) {
                            throw new IOException("source of " + blob + " ended before " + (offset + n) + " bytes");
                        }
                        awaitReady();
                        requests.onNext(UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset(offset)
                                .setData(UnsafeByteOperations.unsafeWrap(buf))).build());
                        listener.chunkSent(blob, offset, n);
                        offset += n;
                        sent += n;
                        drainAcks();
                    }
                }
                requests.onCompleted();
                while (true) {
                    Object e = next();
                    if (e instanceof UploadResponse r) {
                        ack(r);
                        if (r.getComplete()) {
                            awaitEnd();
                            return false;
                        }
                    } else {
                        expectResponse(e); // throws for errors and an early end
                    }
                }
            } catch (IOException | RuntimeException e) {
                requests.cancel("upload aborted", e);
                throw e;
            }
        }

        private void ack(UploadResponse r) {
            if (r.getConfirmedOffset() > confirmed) {
                confirmed = r.getConfirmedOffset();
                progressed = true;
                listener.confirmed(blob, confirmed);
            }
        }

        private void drainAcks() {
            Object e;
            while ((e = events.peek()) != null) {
                if (!(e instanceof UploadResponse r)) {
                    if (e instanceof Throwable t) {
                        events.poll();
                        throw asStatus(t);
                    }
                    return;
                }
                events.poll();
                ack(r);
            }
        }

        private void awaitReady() throws IOException {
            long deadline = System.nanoTime() + options.callTimeout().toNanos();
            synchronized (readyLock) {
                while (!requests.isReady()) {
                    drainAcks();
                    if (events.peek() instanceof Boolean) {
                        throw Status.UNAVAILABLE.withDescription("server ended the upload early").asRuntimeException();
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw Status.DEADLINE_EXCEEDED.withDescription("server took no data for "
                                + options.callTimeout().toSeconds() + " s").asRuntimeException();
                    }
                    try {
                        readyLock.wait(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                }
            }
        }

        private void awaitEnd() throws IOException {
            Object e = next();
            if (e instanceof Throwable t) {
                throw asStatus(t);
            }
        }

        private Object next() throws IOException {
            try {
                Object e = events.poll(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) {
                    throw Status.DEADLINE_EXCEEDED.withDescription("no answer from the server for "
                            + options.callTimeout().toSeconds() + " s").asRuntimeException();
                }
                return e;
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
        }

        private UploadResponse expectResponse(Object e) {
            if (e instanceof UploadResponse r) {
                return r;
            }
            if (e instanceof Throwable t) {
                throw asStatus(t);
            }
            throw Status.UNAVAILABLE.withDescription("server ended the upload early").asRuntimeException();
        }
    }

    // --------------------------------------------------------------------------------- Download

    /** Downloads a blob to {@code target}; see {@link #download(BlobRef, Path)}. The size is learnt from the server. */
    public DownloadResult download(String sha256, Path target) throws IOException {
        StatResponse st = stat(sha256);
        if (st.getState() != StatResponse.State.COMPLETE) {
            throw new BlobTransferException("the coordinator has no blob " + sha256, Status.Code.NOT_FOUND, null);
        }
        return download(new BlobRef(sha256, st.getSize()), target);
    }

    /**
     * Downloads {@code blob} to {@code target}. Bytes go to {@code target.part} first, and a partial
     * file left by an interrupted download is continued. The file appears under its name only once
     * its size and SHA-256 are right. An existing {@code target} with the right content is kept.
     *
     * @throws BlobIntegrityException when the bytes keep failing verification
     * @throws BlobTransferException  when the server refuses or retries are exhausted
     */
    public DownloadResult download(BlobRef blob, Path target) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) == blob.size() && Sha256.of(target).equals(blob)) {
            return new DownloadResult(blob, target, 0, List.of());
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long received = 0;
        List<Long> starts = new ArrayList<>();
        int failures = 0;
        int integrityRetries = 0;
        while (true) {
            DownloadSession s = new DownloadSession(blob, part);
            try {
                s.run();
                received += s.received;
                starts.add(s.started);
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return new DownloadResult(blob, target, received, List.copyOf(starts));
            } catch (BlobIntegrityException e) {
                received += s.received;
                starts.add(s.started);
                Files.deleteIfExists(part);
                if (++integrityRetries > options.maxIntegrityRetries()) {
                    throw e;
                }
                listener.retrying(blob, integrityRetries, e.getMessage());
                LOG.warning(() -> "download of " + blob + " failed verification (" + e.getMessage()
                        + "); requesting it again");
            } catch (StatusRuntimeException e) {
                received += s.received;
                if (s.started >= 0) {
                    starts.add(s.started);
                }
                Status status = e.getStatus();
                if (status.getCode() == Status.Code.NOT_FOUND || !retryable(status.getCode())) {
                    throw new BlobTransferException("download of " + blob + " refused: " + describe(status),
                            status.getCode(), e);
                }
                failures = s.received > 0 ? 1 : failures + 1;
                if (failures >= options.maxAttempts()) {
                    throw new BlobTransferException("download of " + blob + " failed " + failures
                            + " times in a row: " + describe(status), status.getCode(), e);
                }
                long delay = backoffMillis(failures);
                int attempt = failures;
                listener.retrying(blob, attempt, describe(status));
                LOG.info(() -> "download of " + blob.shortName() + " interrupted (" + describe(status) + "); retry "
                        + attempt + " in " + delay + " ms");
                sleep(delay);
            }
        }
    }

    private final class DownloadSession {
        private final BlobRef blob;
        private final Path part;
        long started = -1;
        long received;

        DownloadSession(BlobRef blob, Path part) {
            this.blob = blob;
            this.part = part;
        }

        void run() throws IOException {
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ)) {
                long held = out.size();
                if (held > blob.size()) {
                    out.truncate(0);
                    held = 0;
                }
                MessageDigest digest = Sha256.newDigest();
                Sha256.update(digest, part, held); // the kept prefix counts towards the hash
                started = held;
                long offset = held;
                out.position(offset);

                BlockingQueue<Object> events = new LinkedBlockingQueue<>();
                ClientCallStreamObserver<DownloadRequest>[] call = newCallHolder();
                // Chunks are parsed with aliasing (one copy each): BlobMarshalling.DOWNLOAD.
                ClientCalls.asyncServerStreamingCall(channel().newCall(BlobMarshalling.DOWNLOAD, CallOptions.DEFAULT),
                        DownloadRequest.newBuilder().setSha256(blob.sha256()).setOffset(offset)
                        .setMaxChunkBytes(options.chunkBytes()).build(),
                        new QueueObserver<DownloadRequest, DownloadResponse>(events) {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<DownloadRequest> r) {
                                call[0] = r;
                                r.disableAutoRequestWithInitial(WINDOW);
                            }
                        });
                try {
                    while (true) {
                        Object e;
                        try {
                            e = events.poll(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("interrupted");
                        }
                        if (e == null) {
                            throw Status.DEADLINE_EXCEEDED.withDescription("no data from the server for "
                                    + options.callTimeout().toSeconds() + " s").asRuntimeException();
                        }
                        if (e instanceof Throwable t) {
                            throw asStatus(t);
                        }
                        if (e instanceof Boolean) {
                            break;
                        }
                        DownloadResponse r = (DownloadResponse) e;
                        if (r.getSize() != blob.size()) {
                            throw new BlobIntegrityException(blob, new BlobRef(blob.sha256(), r.getSize()));
                        }
                        if (r.getOffset() != offset) {
                            throw Status.INTERNAL.withDescription("server sent offset " + r.getOffset() + ", expected "
                                    + offset).asRuntimeException();
                        }
                        ByteString data = r.getData();
                        if (offset + data.size() > blob.size()) {
                            throw new BlobIntegrityException(blob, new BlobRef(blob.sha256(), offset + data.size()));
                        }
                        for (ByteBuffer b : data.asReadOnlyByteBufferList()) {
                            ByteBuffer h = b.duplicate();
                            while (b.hasRemaining()) {
                                out.write(b);
                            }
                            digest.update(h);
                        }
                        offset += data.size();
                        received += data.size();
                        if (!data.isEmpty()) {
                            listener.chunkReceived(blob, r.getOffset(), data.size());
                        }
                        call[0].request(1);
                    }
                } catch (IOException | RuntimeException ex) {
                    call[0].cancel("download aborted", ex);
                    throw ex;
                }
                BlobRef actual = new BlobRef(Sha256.hex(digest), offset);
                if (!actual.equals(blob)) {
                    throw new BlobIntegrityException(blob, actual);
                }
                out.force(true);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> ClientCallStreamObserver<T>[] newCallHolder() {
        return new ClientCallStreamObserver[1];
    }

    // ---------------------------------------------------------------------------------- helpers

    /** Failures worth another attempt: the connection, the server's load or a concurrent upload. */
    private static boolean retryable(Status.Code code) {
        return switch (code) {
            case UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN,
                 OUT_OF_RANGE -> true;
            default -> false;
        };
    }

    private static StatusRuntimeException asStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        return Status.fromThrowable(t).asRuntimeException();
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() != null ? ": " + s.getDescription() : "");
    }

    private long backoffMillis(int failures) {
        return org.synthray.agent.grpc.Backoff.millis(options.initialBackoff(), options.maxBackoff(), failures);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

}
