package org.synthray.agent.grpc;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.BlockingQueue;

/**
 * Hands a call's events to the thread that made it: each response, then a {@link Throwable} on
 * error or {@link #COMPLETED} at the end, in order, into one queue. The caller's thread takes them
 * from there, so nothing runs on gRPC's event loop. Override {@link #beforeStart} for flow control.
 *
 * @param <Q> request type (for client- and bidi-streaming calls; any type otherwise)
 * @param <T> response type
 */
public class QueueObserver<Q, T> implements ClientResponseObserver<Q, T> {
    /** The marker queued when the server ends the call normally. */
    public static final Boolean COMPLETED = Boolean.TRUE;

    private final BlockingQueue<Object> events;

    public QueueObserver(BlockingQueue<Object> events) {
        this.events = events;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> requests) {
    }

    @Override
    public void onNext(T value) {
        events.add(value);
    }

    @Override
    public void onError(Throwable t) {
        events.add(t);
    }

    @Override
    public void onCompleted() {
        events.add(COMPLETED);
    }
}
