package org.synthray.coordinator.blob;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
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
 * {@code synthray.v1.BlobService} over the coordinator's {@link BlobStore}: resumable, verified
 * uploads and downloads from an offset (protocol in {@code blob.proto} and docs/blobs.md).
 *
 * <p>Threading: gRPC delivers messages on its event loop; every call hands them to its own
 * {@link SerialExecutor} on a small I/O pool, so disk writes, hashing and reads never block the
 * event loop and a call's steps stay in order. Flow control is manual: an upload asks for at most
 * {@code upload-window} chunks ahead of its disk writes, a download sends only while the transport
 * is ready, so memory stays at a few chunks per call whatever the blob's size.
 */
@GrpcService
public class BlobGrpcService implements BlobServiceGrpc.AsyncService, BindableService {
    private static final Logger LOG = Logger.getLogger(BlobGrpcService.class.getName());

    @Inject
    BlobStore store;

    @Inject
    BlobConfig config;

    @Inject
    BlobUploads completedUploads;

    private StagingQuota quota;

    private ExecutorService io;
    private ScheduledExecutorService sweeper;
    private final Set<UploadCall> uploads = ConcurrentHashMap.newKeySet();

    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong uploadsCompleted = new AtomicLong();
    private final AtomicLong integrityFailures = new AtomicLong();
    private final AtomicLong completeNanos = new AtomicLong();

    /**
     * Counters since start: bytes stored from uploads, bytes sent by downloads, uploads finished,
     * hash mismatches, and time spent completing uploads (final hash check, forcing the file to
     * disk, publishing).
     */
    public record Counters(long bytesReceived, long bytesSent, long uploadsCompleted, long integrityFailures,
                           long completeNanos) {
    }

    public Counters counters() {
        return new Counters(bytesReceived.get(), bytesSent.get(), uploadsCompleted.get(), integrityFailures.get(),
                completeNanos.get());
    }

    @PostConstruct
    void start() {
        quota = new StagingQuota(Math.max(1, config.siteStagedUploads()), config.siteStagedBytes());
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "blob-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        int threadCount = Math.max(1, config.ioThreads());
        io = new ThreadPoolExecutor(threadCount, threadCount, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        ((ThreadPoolExecutor) io).allowCoreThreadTimeOut(true);
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "blob-idle-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, config.idleTimeout().toMillis() / 4);
        sweeper.scheduleWithFixedDelay(this::closeIdleUploads, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        sweeper.shutdownNow();
        for (UploadCall u : uploads) {
            u.serial.execute(() -> u.fail(Status.UNAVAILABLE.withDescription("coordinator is shutting down")));
        }
        io.shutdown();
        try {
            io.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public ServerServiceDefinition bindService() {
        return BlobMarshalling.forServer(BlobServiceGrpc.bindService(this));
    }

    private int maxChunk() {
        return config.maxChunkBytes();
    }

    // ------------------------------------------------------------------------------------- Stat

    @Override
    public void stat(StatRequest request, StreamObserver<StatResponse> out) {
        io.execute(() -> {
            try {
                String sha = request.getSha256();
                if (!Sha256.isValid(sha)) {
                    out.onError(invalidHash(sha).asRuntimeException());
                    return;
                }
                StatResponse.Builder r = StatResponse.newBuilder().setMaxChunkBytes(maxChunk());
                OptionalLong size = store.size(sha);
                if (size.isPresent()) {
                    r.setState(StatResponse.State.COMPLETE).setSize(size.getAsLong()).setConfirmedOffset(size.getAsLong());
                } else {
                    Optional<BlobStore.Staged> staged = store.staged(sha);
                    staged.ifPresentOrElse(s -> r.setState(StatResponse.State.PARTIAL).setSize(s.blob().size())
                                    .setConfirmedOffset(s.confirmedOffset()),
                            () -> r.setState(StatResponse.State.ABSENT));
                }
                out.onNext(r.build());
                out.onCompleted();
            } catch (IOException | RuntimeException e) {
                out.onError(storageError("cannot read the blob store", e).asRuntimeException());
            }
        });
    }

    // ----------------------------------------------------------------------------------- Upload

    @Override
    public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> responseObserver) {
        ServerCallStreamObserver<UploadResponse> out = (ServerCallStreamObserver<UploadResponse>) responseObserver;
        out.disableAutoRequest();
        UploadCall call = new UploadCall(out);
        uploads.add(call);
        out.setOnCancelHandler(() -> call.serial.execute(call::cancelled));
        out.request(1); // the open message
        return call;
    }

    /** One Upload call: its state is touched only on its serial executor. */
    private final class UploadCall implements StreamObserver<UploadRequest> {
        final SerialExecutor serial = new SerialExecutor(io);
        private final ServerCallStreamObserver<UploadResponse> out;
        private BlobStore.Upload upload;
        private boolean opened;
        private boolean ended;
        // Read on the call's thread: the gRPC context does not follow work to the I/O pool.
        private final String caller = caller();
        private final String site = org.synthray.coordinator.security.GrpcCaller.current().siteId();
        /** Whose staging quota this call uses: its site, else its remote host. */
        private final String quotaOwner = org.synthray.coordinator.security.GrpcCaller.current().owner();
        private volatile long lastActivity = System.nanoTime();

        UploadCall(ServerCallStreamObserver<UploadResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(UploadRequest request) {
            lastActivity = System.nanoTime();
            serial.execute(() -> handle(request));
        }

        @Override
        public void onError(Throwable t) {
            serial.execute(this::cancelled);
        }

        @Override
        public void onCompleted() {
            serial.execute(() -> {
                if (ended) {
                    return;
                }
                // The client stopped early: keep what arrived and tell it where to resume.
                long held = upload != null ? upload.confirmedOffset() : 0;
                closeUpload();
                end();
                out.onNext(UploadResponse.newBuilder().setConfirmedOffset(held).build());
                out.onCompleted();
            });
        }

        private void handle(UploadRequest request) {
            if (ended) {
                return;
            }
            try {
                switch (request.getMsgCase()) {
                    case OPEN -> open(request.getOpen());
                    case CHUNK -> chunk(request.getChunk());
                    default -> fail(Status.INVALID_ARGUMENT.withDescription("empty upload message"));
                }
            } catch (BlobIntegrityException e) {
                quota.ended(quotaOwner, e.expected().sha256());
                integrityFailures.incrementAndGet();
                LOG.warning(() -> "refused upload from " + caller + ": " + e.getMessage());
                fail(Status.DATA_LOSS.withDescription(e.getMessage()
                        + "; the partial upload was discarded, upload again from offset 0"));
            } catch (BlobStore.UploadInProgressException e) {
                fail(Status.ABORTED.withDescription(e.getMessage() + "; retry later"));
            } catch (IOException | RuntimeException e) {
                fail(storageError("cannot store the blob", e));
            }
        }

        private void open(UploadOpen open) throws IOException {
            if (opened) {
                fail(Status.INVALID_ARGUMENT.withDescription("open sent twice on one upload"));
                return;
            }
            opened = true;
            if (!Sha256.isValid(open.getSha256())) {
                fail(invalidHash(open.getSha256()));
                return;
            }
            if (open.getSize() < 0) {
                fail(Status.INVALID_ARGUMENT.withDescription("size must be >= 0, got " + open.getSize()));
                return;
            }
            if (open.getSize() > config.maxBlobBytes()) {
                fail(Status.RESOURCE_EXHAUSTED.withDescription("declared size " + open.getSize()
                        + " exceeds the limit of " + config.maxBlobBytes() + " bytes (synthray.blobs.max-blob-bytes)"));
                return;
            }
            BlobRef blob = new BlobRef(open.getSha256(), open.getSize());
            if (store.exists(blob.sha256())) {
                OptionalLong size = store.size(blob.sha256());
                if (size.isPresent() && size.getAsLong() != blob.size()) {
                    fail(Status.INVALID_ARGUMENT.withDescription("blob " + blob.sha256() + " is stored with "
                            + size.getAsLong() + " bytes, not " + blob.size()));
                    return;
                }
                finished(blob); // deduplicated: nothing to send (and nothing this caller proved it holds)
                return;
            }
            StagingQuota.Admission admission = quota.open(quotaOwner, blob);
            for (BlobRef old : admission.evicted()) {
                discardStaged(old);
            }
            if (admission.refusal() != null) {
                fail(Status.RESOURCE_EXHAUSTED.withDescription(admission.refusal()));
                return;
            }
            Optional<BlobStore.Upload> u;
            try {
                u = store.beginUpload(blob);
            } catch (IOException | RuntimeException e) {
                quota.paused(quotaOwner, blob.sha256());
                throw e;
            }
            if (u.isEmpty()) {
                quota.ended(quotaOwner, blob.sha256());
                OptionalLong size = store.size(blob.sha256());
                if (size.isPresent() && size.getAsLong() != blob.size()) {
                    fail(Status.INVALID_ARGUMENT.withDescription("blob " + blob.sha256() + " is stored with "
                            + size.getAsLong() + " bytes, not " + blob.size()));
                    return;
                }
                finished(blob); // deduplicated: nothing to send
                return;
            }
            upload = u.get();
            long from = upload.confirmedOffset();
            if (from > 0) {
                LOG.info(() -> "resuming upload of " + blob + " from " + caller + " at offset " + from);
            }
            out.onNext(UploadResponse.newBuilder().setConfirmedOffset(from).setMaxChunkBytes(maxChunk()).build());
            if (upload.offset() == blob.size()) {
                finish();
                return;
            }
            out.request(Math.max(1, config.uploadWindow()));
        }

        private void chunk(Chunk chunk) throws IOException {
            if (upload == null) {
                fail(Status.INVALID_ARGUMENT.withDescription("send open before any chunk"));
                return;
            }
            ByteString data = chunk.getData();
            if (data.size() > maxChunk()) {
                fail(Status.INVALID_ARGUMENT.withDescription("chunk of " + data.size() + " bytes exceeds the limit of "
                        + maxChunk()));
                return;
            }
            if (chunk.getOffset() != upload.offset()) {
                fail(Status.OUT_OF_RANGE.withDescription("chunk at offset " + chunk.getOffset() + ", expected offset "
                        + upload.offset()));
                return;
            }
            if (upload.offset() + data.size() > upload.blob().size()) {
                fail(Status.INVALID_ARGUMENT.withDescription("chunk runs past the declared size " + upload.blob().size()));
                return;
            }
            for (java.nio.ByteBuffer b : data.asReadOnlyByteBufferList()) {
                upload.write(b);
            }
            bytesReceived.addAndGet(data.size());
            if (upload.offset() == upload.blob().size()) {
                finish();
                return;
            }
            out.onNext(UploadResponse.newBuilder().setConfirmedOffset(upload.confirmedOffset()).build());
            out.request(1);
        }

        private void finish() throws IOException {
            BlobStore.Upload u = upload;
            upload = null;
            long t = System.nanoTime();
            BlobRef blob;
            try {
                blob = u.complete(); // throws BlobIntegrityException after discarding the staged bytes
            } finally {
                completeNanos.addAndGet(System.nanoTime() - t);
            }
            uploadsCompleted.incrementAndGet();
            quota.ended(quotaOwner, blob.sha256());
            completedUploads.uploaded(site, blob.sha256());
            LOG.fine(() -> "stored " + blob + " from " + caller);
            finished(blob);
        }

        private void finished(BlobRef blob) {
            end();
            out.onNext(UploadResponse.newBuilder().setConfirmedOffset(blob.size()).setComplete(true)
                    .setMaxChunkBytes(maxChunk()).build());
            out.onCompleted();
        }

        /** Ends the call with an error; staged bytes are kept (a hash mismatch has dropped them already). */
        void fail(Status status) {
            if (ended) {
                return;
            }
            closeUpload();
            end();
            if (!out.isCancelled()) {
                out.onError(status.asRuntimeException());
            }
        }

        void cancelled() {
            if (!ended) {
                closeUpload();
                end();
            }
        }

        private void closeUpload() {
            if (upload != null) {
                quota.paused(quotaOwner, upload.blob().sha256());
                try {
                    upload.close();
                } catch (IOException e) {
                    LOG.warning(() -> "cannot close the staged upload of " + upload.blob() + ": " + e.getMessage());
                }
                upload = null;
            }
        }

        private void end() {
            ended = true;
            uploads.remove(this);
        }
    }

    /** Drops the staged bytes of an upload evicted from its site's quota (unless another call has it open). */
    private void discardStaged(BlobRef blob) {
        try {
            Optional<BlobStore.Upload> u = store.beginUpload(blob);
            if (u.isPresent()) {
                u.get().discard();
            }
        } catch (BlobStore.UploadInProgressException e) {
            // in use by another caller: it stays theirs
        } catch (IOException | RuntimeException e) {
            LOG.warning(() -> "cannot discard the staged upload of " + blob + ": " + e.getMessage());
        }
    }

    private void closeIdleUploads() {
        long limit = config.idleTimeout().toNanos();
        long now = System.nanoTime();
        for (UploadCall u : uploads) {
            if (now - u.lastActivity > limit) {
                u.serial.execute(() -> u.fail(Status.DEADLINE_EXCEEDED.withDescription("no data for "
                        + config.idleTimeout().toSeconds() + " s; the bytes received are kept, resume the upload")));
            }
        }
    }

    // --------------------------------------------------------------------------------- Download

    @Override
    public void download(DownloadRequest request, StreamObserver<DownloadResponse> responseObserver) {
        ServerCallStreamObserver<DownloadResponse> out = (ServerCallStreamObserver<DownloadResponse>) responseObserver;
        DownloadCall call = new DownloadCall(request, out);
        // Ready while less than two chunks are queued: the next chunk is read from disk while the
        // previous one is still on its way, instead of stopping at every chunk.
        out.setOnReadyThreshold(2 * maxChunk());
        out.setOnReadyHandler(() -> call.serial.execute(call::pump));
        out.setOnCancelHandler(() -> call.serial.execute(call::close));
        call.serial.execute(call::start);
    }

    private final class DownloadCall {
        final SerialExecutor serial = new SerialExecutor(io);
        private final DownloadRequest request;
        private final ServerCallStreamObserver<DownloadResponse> out;
        private InputStream in;
        private long offset;
        private long size;
        private int chunk;
        private boolean ended;

        DownloadCall(DownloadRequest request, ServerCallStreamObserver<DownloadResponse> out) {
            this.request = request;
            this.out = out;
        }

        void start() {
            String sha = request.getSha256();
            if (!Sha256.isValid(sha)) {
                fail(invalidHash(sha));
                return;
            }
            try {
                OptionalLong s = store.size(sha);
                if (s.isEmpty()) {
                    fail(Status.NOT_FOUND.withDescription("no blob " + sha));
                    return;
                }
                size = s.getAsLong();
                if (request.getOffset() < 0 || request.getOffset() > size) {
                    fail(Status.OUT_OF_RANGE.withDescription("offset " + request.getOffset() + " outside blob " + sha
                            + " of " + size + " bytes"));
                    return;
                }
                offset = request.getOffset();
                chunk = request.getMaxChunkBytes() > 0 ? Math.min(request.getMaxChunkBytes(), maxChunk()) : maxChunk();
                in = store.open(sha, offset);
            } catch (BlobStore.NoSuchBlobException e) {
                fail(Status.NOT_FOUND.withDescription("no blob " + sha));
                return;
            } catch (IOException | RuntimeException e) {
                fail(storageError("cannot read the blob", e));
                return;
            }
            pump();
        }

        /** Sends chunks while the transport takes them; the ready handler calls again when it does. */
        void pump() {
            if (ended || in == null) {
                return;
            }
            try {
                if (offset == size) { // also an empty blob, or a request at its very end
                    out.onNext(DownloadResponse.newBuilder().setOffset(offset).setSize(size).build());
                    complete();
                    return;
                }
                while (out.isReady() && !out.isCancelled()) {
                    int n = (int) Math.min(chunk, size - offset);
                    byte[] buf = new byte[n];
                    if (in.readNBytes(buf, 0, n) != n) {
                        fail(Status.INTERNAL.withDescription("blob " + request.getSha256() + " ended early at " + offset));
                        return;
                    }
                    out.onNext(DownloadResponse.newBuilder().setOffset(offset)
                            .setData(UnsafeByteOperations.unsafeWrap(buf)).setSize(size).build());
                    offset += n;
                    bytesSent.addAndGet(n);
                    if (offset == size) {
                        complete();
                        return;
                    }
                }
            } catch (IOException | RuntimeException e) {
                fail(storageError("cannot read the blob", e));
            }
        }

        private void complete() {
            close();
            out.onCompleted();
        }

        private void fail(Status status) {
            if (ended) {
                return;
            }
            close();
            if (!out.isCancelled()) {
                out.onError(status.asRuntimeException());
            }
        }

        void close() {
            ended = true;
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // read-only stream
                }
                in = null;
            }
        }
    }

    // ---------------------------------------------------------------------------------- helpers

    private static Status invalidHash(String value) {
        return Status.INVALID_ARGUMENT.withDescription("not a SHA-256 blob name (64 lowercase hex digits): "
                + Sha256.describe(value));
    }

    private static Status storageError(String what, Exception e) {
        String msg = String.valueOf(e.getMessage());
        if (e instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(msg);
        }
        if (msg.contains("No space left")) {
            LOG.severe(() -> what + ": disk full (" + msg + ")");
            return Status.RESOURCE_EXHAUSTED.withDescription(what + ": the coordinator's disk is full");
        }
        LOG.warning(() -> what + ": " + e);
        return Status.INTERNAL.withDescription(what + ": " + msg);
    }

    /** Who called, for log lines; read on the call's thread (the gRPC context does not follow to the I/O pool). */
    private static String caller() {
        return org.synthray.coordinator.security.GrpcCaller.current().describe();
    }
}
