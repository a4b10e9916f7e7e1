package org.synthray.coordinator.flower;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.golden.RawJoin;

/**
 * A Join client for tests that answers with raw bytes chosen by a script: exactly the bytes a stock
 * Flower client sent, or deliberately broken ones. Like the stock client it closes its channel on
 * {@code ReconnectIns} without delivering a DisconnectRes.
 */
public final class RawFlowerClient implements AutoCloseable {
    /** What to do with one instruction. */
    public sealed interface Action permits Reply, Silence, Cancel {
    }

    /** Send these bytes. */
    public record Reply(byte[] bytes) implements Action {
    }

    /** Send nothing (a client that hangs). */
    public record Silence() implements Action {
    }

    /** Cancel the stream (a client that crashes or loses its connection). */
    public record Cancel() implements Action {
    }

    private final ManagedChannel channel;
    private final List<ServerMessage> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile ClientCallStreamObserver<byte[]> out;

    public RawFlowerClient(int port, Function<ServerMessage, Action> script) {
        this(port, null, script);
    }

    /** A client announcing {@code siteId} in the {@code synthray-site-id} header, as SynthRay agents do. */
    public RawFlowerClient(int port, String siteId, Function<ServerMessage, Action> script) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
        io.grpc.Channel calls = channel;
        if (siteId != null) {
            io.grpc.Metadata h = new io.grpc.Metadata();
            h.put(io.grpc.Metadata.Key.of("synthray-site-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER), siteId);
            calls = io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h));
        }
        ClientCalls.asyncBidiStreamingCall(calls.newCall(RawJoin.JOIN, io.grpc.CallOptions.DEFAULT),
                new ClientResponseObserver<byte[], byte[]>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
                        out = requestStream;
                    }

                    @Override
                    public void onNext(byte[] value) {
                        ServerMessage m;
                        try {
                            m = ServerMessage.parseFrom(value);
                        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                            throw new IllegalStateException(e);
                        }
                        received.add(m);
                        if (m.hasReconnectIns()) {
                            out.cancel("stock client closes its channel after ReconnectIns", null);
                            ended.countDown();
                            return;
                        }
                        Action a = script.apply(m);
                        if (a instanceof Reply r) {
                            out.onNext(r.bytes());
                        } else if (a instanceof Cancel) {
                            out.cancel("client crashed", null);
                            ended.countDown();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        ended.countDown();
                    }
                });
    }

    public List<ServerMessage> received() {
        return received;
    }

    public boolean awaitEnd(long seconds) throws InterruptedException {
        return ended.await(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
