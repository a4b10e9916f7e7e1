package org.synthray.coordinator.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.Chunk;
import org.synthray.proto.blob.UploadOpen;
import org.synthray.proto.blob.UploadRequest;
import org.synthray.proto.blob.UploadResponse;

/**
 * The blob service against a site that declares absurd sizes and abandons uploads: declared sizes
 * are capped, and a site's unfinished uploads stay within its quota (its oldest idle one is
 * discarded to make room; uploads in progress are never taken away). Real service over loopback gRPC.
 */
class BlobQuotaTest {
    @TempDir
    Path root;

    private BlobGrpcService service;
    private FileBlobStore store;
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        service = new BlobGrpcService();
        store = new FileBlobStore(root);
        service.store = store;
        // At most 1 MiB per blob; two unfinished uploads per site.
        service.config = new TestBlobConfig(root, 1024, Duration.ofMinutes(1), 1 << 20, 2, 1L << 30);
        service.completedUploads = new BlobUploads();
        service.start();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(io.grpc.ServerInterceptors.intercept(service.bindService(),
                        org.synthray.coordinator.security.GrpcAuthInterceptor.announcedCallers()))
                .build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        service.stop();
    }

    /** One upload call of site {@code site}: its request stream and what the server answered. */
    private record Call(StreamObserver<UploadRequest> requests, LinkedBlockingQueue<Object> events) {
        Object next() throws InterruptedException {
            return events.poll(10, TimeUnit.SECONDS);
        }
    }

    private Call open(String site, BlobRef ref) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("synthray-site-id", Metadata.ASCII_STRING_MARSHALLER), site);
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamObserver<UploadRequest> req = BlobServiceGrpc.newStub(ClientInterceptors.intercept(channel,
                MetadataUtils.newAttachHeadersInterceptor(h))).upload(new StreamObserver<>() {
            public void onNext(UploadResponse value) {
                events.add(value);
            }

            public void onError(Throwable t) {
                events.add(t);
            }

            public void onCompleted() {
                events.add(Boolean.TRUE);
            }
        });
        req.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(ref.sha256()).setSize(ref.size())).build());
        return new Call(req, events);
    }

    private static byte[] blob(int seed) {
        byte[] b = new byte[4096];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Opens an upload, sends its first KiB and goes away: the bytes stay staged. */
    private BlobRef abandon(String site, int seed) throws Exception {
        byte[] b = blob(seed);
        BlobRef ref = new BlobRef(Sha256.of(b), b.length);
        Call c = open(site, ref);
        assertEquals(0, ((UploadResponse) c.next()).getConfirmedOffset());
        c.requests().onNext(UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset(0)
                .setData(ByteString.copyFrom(b, 0, 1024))).build());
        assertEquals(1024, ((UploadResponse) c.next()).getConfirmedOffset());
        c.requests().onCompleted();
        assertEquals(1024, ((UploadResponse) c.next()).getConfirmedOffset());
        assertEquals(Boolean.TRUE, c.next());
        return ref;
    }

    @Test
    void declaredSizeAboveTheCapIsRefusedBeforeAnythingIsStaged() throws Exception {
        BlobRef huge = new BlobRef("ab".repeat(32), 1L << 62);
        Object answer = open("site-x", huge).next();
        Status s = Status.fromThrowable((Throwable) answer);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("max-blob-bytes"), s.getDescription());
        assertTrue(store.staged(huge.sha256()).isEmpty());
    }

    @Test
    void abandonedUploadsOfOneSiteStayWithinItsQuota() throws Exception {
        BlobRef first = abandon("site-x", 1);
        BlobRef second = abandon("site-x", 2);
        BlobRef third = abandon("site-x", 3);
        // The oldest abandoned upload made room for the third: two are staged, never more.
        assertTrue(store.staged(first.sha256()).isEmpty(), "the oldest idle upload was discarded");
        assertEquals(1024, store.staged(second.sha256()).orElseThrow().confirmedOffset());
        assertEquals(1024, store.staged(third.sha256()).orElseThrow().confirmedOffset());
        // Another site has its own quota.
        BlobRef others = abandon("site-y", 4);
        assertTrue(store.staged(others.sha256()).isPresent());
        assertTrue(store.staged(second.sha256()).isPresent(), "one site's uploads never evict another's");
    }

    @Test
    void uploadsInProgressAreNeverEvictedSoTheNextIsRefused() throws Exception {
        Call a = open("site-x", new BlobRef(Sha256.of(blob(5)), 4096));
        Call b = open("site-x", new BlobRef(Sha256.of(blob(6)), 4096));
        assertEquals(0, ((UploadResponse) a.next()).getConfirmedOffset());
        assertEquals(0, ((UploadResponse) b.next()).getConfirmedOffset());
        Status s = Status.fromThrowable((Throwable) open("site-x", new BlobRef(Sha256.of(blob(7)), 4096)).next());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("2 uploads in progress"), s.getDescription());
        a.requests().onCompleted();
        b.requests().onCompleted();
    }
}
