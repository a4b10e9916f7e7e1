package org.synthray.agent.flower;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.golden.RawJoin;

/**
 * A Join server for tests that plays fixed byte sequences, one per incoming stream, the way the
 * recording peer of the golden captures did: send an instruction, wait for one reply, send the
 * next. After a {@code ReconnectIns} it waits for the client to go. A script step may instead drop
 * the connection, to test recovery.
 */
final class ScriptedFlowerServer implements AutoCloseable {
    /** A script step that aborts the stream with UNAVAILABLE instead of sending. */
    static final byte[] DROP = new byte[0];

    private final List<List<byte[]>> scripts;
    private final List<List<byte[]>> received = new CopyOnWriteArrayList<>();
    private final List<java.util.concurrent.CountDownLatch> ended = new CopyOnWriteArrayList<>();
    private final Server server;

    ScriptedFlowerServer(List<List<byte[]>> scripts) throws IOException {
        this.scripts = scripts;
        ServerServiceDefinition service = ServerServiceDefinition.builder(RawJoin.SERVICE)
                .addMethod(RawJoin.JOIN, ServerCalls.asyncBidiStreamingCall(this::join))
                .build();
        server = NettyServerBuilder.forPort(0).addService(service).build().start();
    }

    int port() {
        return server.getPort();
    }

    /** Raw replies per stream, in order, once every stream has ended (the client closed or cancelled it). */
    List<List<byte[]>> received() throws InterruptedException {
        for (java.util.concurrent.CountDownLatch l : ended) {
            if (!l.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("a stream did not end");
            }
        }
        return received;
    }

    private synchronized StreamObserver<byte[]> join(StreamObserver<byte[]> out) {
        int stream = received.size();
        List<byte[]> replies = new CopyOnWriteArrayList<>();
        received.add(replies);
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        ended.add(end);
        List<byte[]> script = stream < scripts.size() ? scripts.get(stream) : List.of();
        int[] next = {0};
        java.util.concurrent.CountDownLatch endRef = end;
        Runnable sendNext = () -> {
            if (next[0] >= script.size()) {
                return;
            }
            byte[] step = script.get(next[0]++);
            if (step == DROP) {
                out.onError(Status.UNAVAILABLE.withDescription("scripted drop").asRuntimeException());
                endRef.countDown();
            } else {
                out.onNext(step);
            }
        };
        sendNext.run();
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                replies.add(value);
                sendNext.run();
            }

            @Override
            public void onError(Throwable t) {
                end.countDown();
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
                end.countDown();
            }
        };
    }

    static byte[] reconnect(long seconds) {
        return ServerMessage.newBuilder().setReconnectIns(ServerMessage.ReconnectIns.newBuilder().setSeconds(seconds))
                .build().toByteArray();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    static List<String> kinds(List<byte[]> replies) {
        List<String> out = new ArrayList<>();
        for (byte[] r : replies) {
            try {
                out.add(org.synthray.flower.proto.ClientMessage.parseFrom(r).getMsgCase().name().toLowerCase());
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                out.add("invalid");
            }
        }
        return out;
    }
}
