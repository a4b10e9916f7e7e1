package org.synthray.coordinator.flower;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.ServerMessage;

/**
 * The coordinator's side of one client's {@code Join} stream. Flower's protocol has no request ids:
 * the server sends an instruction and the next message on the stream is its reply. So a proxy sends
 * a new instruction only when the client owes nothing; a reply that arrives after its round gave up
 * on it (a straggler) is matched to its instruction, reported, and discarded.
 */
public final class ClientProxy {
    private static final Logger LOG = Logger.getLogger(ClientProxy.class);

    private final String id;
    private final String peer;
    private final String siteId;
    private final String runId;
    private String claimedBy;
    private final ServerCallStreamObserver<ServerMessage> out;
    private final Consumer<ClientProxy> onClose;
    private final Consumer<LateReply> onLateReply;

    /** Replies owed by the client, oldest first. */
    private final Deque<Owed> owed = new ArrayDeque<>();
    private CompletableFuture<ClientMessage> pending;
    private Owed pendingOwed;
    private boolean closed;
    private boolean goodbyeSent;

    /** A reply the client owes: its kind, and the caller's tag for the instruction (e.g. run and round). */
    private record Owed(ClientMessage.MsgCase kind, String tag) {
    }

    /** A reply that arrived after the coordinator stopped waiting for it; {@code tag} names its instruction. */
    public record LateReply(ClientProxy client, String tag, ClientMessage message) {
    }

    ClientProxy(String id, String peer, String siteId, String runId, ServerCallStreamObserver<ServerMessage> out,
                Consumer<ClientProxy> onClose, Consumer<LateReply> onLateReply) {
        this.id = id;
        this.peer = peer;
        this.siteId = siteId;
        this.runId = runId;
        this.out = out;
        this.onClose = onClose;
        this.onLateReply = onLateReply;
    }

    /** A stable name for logs and results: the site id when announced, else a connection number. */
    public String id() {
        return id;
    }

    public String peer() {
        return peer;
    }

    /** The site id the agent announced, or null for a stock Flower client. */
    public String siteId() {
        return siteId;
    }

    /** The run the client asked to join ({@code synthray-run-id} header), or null (stock Flower clients). */
    public String runId() {
        return runId;
    }

    /**
     * True when this client may work for {@code run}: it asked for that run, or asked for none and
     * no other run has taken it yet.
     */
    public synchronized boolean servesRun(String run) {
        if (runId != null) {
            return runId.equals(run);
        }
        return claimedBy == null || claimedBy.equals(run);
    }

    /** Binds a client that asked for no run to {@code run}, so two runs never share it. */
    public synchronized boolean claim(String run) {
        if (!servesRun(run)) {
            return false;
        }
        if (runId == null) {
            claimedBy = run;
        }
        return true;
    }

    /**
     * Sends an instruction; the future completes with the client's reply, or fails with
     * {@link ClientDisconnectedException} if the stream ends first.
     *
     * @throws IllegalStateException if the client still owes a reply to an earlier instruction
     */
    public CompletableFuture<ClientMessage> request(ServerMessage message) {
        return request(message, null);
    }

    /** As {@link #request(ServerMessage)}, with a tag reported back if the reply comes late. */
    public CompletableFuture<ClientMessage> request(ServerMessage message, String tag) {
        Owed expected = new Owed(expectedReply(message.getMsgCase()), tag);
        CompletableFuture<ClientMessage> f = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                f.completeExceptionally(new ClientDisconnectedException("client " + id + " is disconnected"));
                return f;
            }
            if (!owed.isEmpty()) {
                throw new IllegalStateException("client " + id + " still owes " + owed.peek());
            }
            owed.add(expected);
            pending = f;
            pendingOwed = expected;
            try {
                out.onNext(message);
            } catch (RuntimeException e) {
                // The call ended under us (cancelled, reset): treat it as the disconnect it is.
                closed = true;
                pending = null;
                owed.clear();
                f.completeExceptionally(new ClientDisconnectedException("client " + id + " is disconnected: " + e.getMessage()));
            }
        }
        return f;
    }

    /** Stops waiting for the outstanding reply (round timeout); the reply, if it comes, is reported as late. */
    public synchronized void abandonPending() {
        pending = null;
        pendingOwed = null;
    }

    /** True while the client owes a reply, including one the coordinator stopped waiting for. */
    public synchronized boolean busy() {
        return !owed.isEmpty();
    }

    public synchronized boolean isOpen() {
        return !closed && !goodbyeSent;
    }

    /**
     * Sends {@code ReconnectIns} and stops sending. A stock Flower client closes its channel without
     * delivering its DisconnectRes, so the stream ending now is the normal goodbye.
     */
    public void disconnect(long seconds) {
        synchronized (this) {
            if (closed || goodbyeSent) {
                return;
            }
            goodbyeSent = true;
            // Replies still owed come first (a straggler's FitRes is still recorded as late).
            owed.add(new Owed(ClientMessage.MsgCase.DISCONNECT_RES, null));
            try {
                out.onNext(Instructions.reconnect(seconds));
            } catch (RuntimeException e) {
                LOG.debugf("client %s was gone before its ReconnectIns: %s", id, e.getMessage());
            }
        }
    }

    /** Closes the stream with {@code status} (e.g. the site was revoked); an owed reply fails now. */
    public void terminate(io.grpc.Status status) {
        synchronized (this) {
            if (closed) {
                return;
            }
            try {
                out.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                LOG.debugf("client %s was gone before it could be closed: %s", id, e.getMessage());
            }
        }
        onStreamEnd(new ClientProtocolException(status.getDescription()));
    }

    void onClientMessage(ClientMessage message) {
        String malformed = TolerantClientMessages.malformedReason(message);
        if (malformed != null) {
            try {
                out.onError(TolerantClientMessages.invalid(malformed).asRuntimeException());
            } catch (RuntimeException ignored) {
                // already closed
            }
            onStreamEnd(new ClientProtocolException("sent a malformed message: " + malformed));
            return;
        }
        CompletableFuture<ClientMessage> toComplete = null;
        LateReply late = null;
        synchronized (this) {
            ClientMessage.MsgCase kind = message.getMsgCase();
            if (kind == ClientMessage.MsgCase.DISCONNECT_RES && goodbyeSent) {
                LOG.debugf("client %s acknowledged the disconnect (%s)", id, message.getDisconnectRes().getReason());
                out.onCompleted();
                return;
            }
            Owed expected = owed.poll();
            if (expected == null) {
                LOG.warnf("client %s sent an unsolicited %s; ignored", id, describe(kind));
                return;
            }
            if (kind != expected.kind()) {
                LOG.warnf("client %s answered %s with %s; counted as a failed reply", id, expected.kind(), describe(kind));
            }
            if (pending != null && pendingOwed == expected) {
                toComplete = pending;
                pending = null;
                pendingOwed = null;
            } else {
                late = new LateReply(this, expected.tag(), message);
            }
        }
        if (toComplete != null) {
            toComplete.complete(message);
        } else {
            LOG.infof("late %s from client %s discarded (its round no longer waits for it)", describe(message.getMsgCase()), id);
            onLateReply.accept(late);
        }
    }

    void onStreamEnd(Throwable error) {
        CompletableFuture<ClientMessage> toFail;
        boolean normal;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            normal = goodbyeSent;
            toFail = pending;
            pending = null;
        }
        if (normal) {
            LOG.debugf("client %s disconnected after ReconnectIns", id);
        } else if (error != null) {
            LOG.warnf("client %s (%s) dropped: %s", id, peer, describeError(error));
        } else {
            LOG.infof("client %s (%s) closed its stream", id, peer);
        }
        if (toFail != null) {
            toFail.completeExceptionally(new ClientDisconnectedException("client " + id + " disconnected"
                    + (error != null ? ": " + describeError(error) : "")));
        }
        if (!normal && !(error instanceof ClientProtocolException)) {
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
                // the call is already closed
            }
        }
        onClose.accept(this);
    }

    static ClientMessage.MsgCase expectedReply(ServerMessage.MsgCase instruction) {
        return switch (instruction) {
            case RECONNECT_INS -> ClientMessage.MsgCase.DISCONNECT_RES;
            case GET_PROPERTIES_INS -> ClientMessage.MsgCase.GET_PROPERTIES_RES;
            case GET_PARAMETERS_INS -> ClientMessage.MsgCase.GET_PARAMETERS_RES;
            case FIT_INS -> ClientMessage.MsgCase.FIT_RES;
            case EVALUATE_INS -> ClientMessage.MsgCase.EVALUATE_RES;
            case MSG_NOT_SET -> throw new IllegalArgumentException("empty server message");
        };
    }

    private static String describe(ClientMessage.MsgCase kind) {
        return kind == ClientMessage.MsgCase.MSG_NOT_SET ? "message with no known reply (unknown oneof case)" : kind.toString();
    }

    private static String describeError(Throwable t) {
        if (t instanceof ClientProtocolException) {
            return t.getMessage();
        }
        io.grpc.Status s = io.grpc.Status.fromThrowable(t);
        return s.getCode() + (s.getDescription() != null ? " " + s.getDescription() : "");
    }

    @Override
    public String toString() {
        return id;
    }

    /** The client broke the protocol; its stream is closed. */
    static final class ClientProtocolException extends RuntimeException {
        ClientProtocolException(String message) {
            super(message);
        }
    }
}
