package org.synthray.coordinator.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * An upload whose client goes silent (a half-dead connection) is closed after the idle timeout:
 * its bytes stay staged and the blob can be uploaded again at once. Runs the service on a plain
 * grpc-java server with a one-second timeout.
 */
class BlobServiceIdleTest {
    @TempDir
    Path root;

    @Test
    void silentUploadIsClosedAndItsBytesKept() throws Exception {
        BlobGrpcService service = new BlobGrpcService();
        service.store = new FileBlobStore(root);
        service.config = new TestBlobConfig(root, 1024, Duration.ofSeconds(1), 1 << 30, 4, 1L << 32);
        service.completedUploads = new BlobUploads();
        service.start();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(service.bindService()).build().start();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            byte[] blob = new byte[4096];
            new Random(1).nextBytes(blob);
            BlobRef ref = new BlobRef(Sha256.of(blob), blob.length);
            LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
            StreamObserver<UploadRequest> req = BlobServiceGrpc.newStub(ch).upload(new org.synthray.agent.grpc.QueueObserver<UploadRequest, UploadResponse>(events));
            req.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(ref.sha256())
                    .setSize(ref.size())).build());
            req.onNext(UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset(0)
                    .setData(ByteString.copyFrom(blob, 0, 1024))).build());
            assertEquals(0, ((UploadResponse) events.poll(5, TimeUnit.SECONDS)).getConfirmedOffset());
            assertEquals(1024, ((UploadResponse) events.poll(5, TimeUnit.SECONDS)).getConfirmedOffset());

            // Then nothing more: the server gives up on this call after about a second.
            Object end = events.poll(10, TimeUnit.SECONDS);
            assertTrue(end instanceof Throwable, String.valueOf(end));
            Status s = Status.fromThrowable((Throwable) end);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, s.getCode());
            assertTrue(s.getDescription().contains("resume"), s.getDescription());
            assertEquals(new BlobStore.Staged(ref, 1024), service.store.staged(ref.sha256()).orElseThrow());

            // The lock is released: a new upload continues after the kept bytes.
            BlobStore.Upload u = service.store.beginUpload(ref).orElseThrow();
            assertEquals(1024, u.offset());
            u.write(java.nio.ByteBuffer.wrap(blob, 1024, blob.length - 1024));
            assertEquals(ref, u.complete());
        } finally {
            ch.shutdownNow();
            server.shutdownNow();
            service.stop();
        }
    }
}
