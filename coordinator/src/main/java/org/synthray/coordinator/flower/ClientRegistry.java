package org.synthray.coordinator.flower;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/** The clients connected over {@code Join} right now. */
@ApplicationScoped
public class ClientRegistry {
    private static final Logger LOG = Logger.getLogger(ClientRegistry.class);

    private final Map<String, ClientProxy> clients = new LinkedHashMap<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private final List<Consumer<ClientProxy.LateReply>> lateReplyListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<ClientProxy>> joinListeners = new CopyOnWriteArrayList<>();

    ClientProxy register(String peer, String siteId, String runId,
                         io.grpc.stub.ServerCallStreamObserver<org.synthray.flower.proto.ServerMessage> out) {
        int n = sequence.incrementAndGet();
        ClientProxy proxy;
        synchronized (this) {
            String id = siteId != null ? siteId : "flower-client-" + n;
            if (clients.containsKey(id)) {
                id = id + "#" + n; // the same site on a second stream (e.g. reconnecting before the old one timed out)
            }
            proxy = new ClientProxy(id, peer, siteId, runId, out, this::remove, this::lateReply);
            clients.put(id, proxy);
            notifyAll();
        }
        LOG.infof("client %s joined from %s%s", proxy.id(), peer, runId != null ? " for run " + runId : "");
        for (Consumer<ClientProxy> l : joinListeners) {
            try {
                l.accept(proxy);
            } catch (RuntimeException e) {
                LOG.errorf(e, "join listener failed for client %s", proxy.id());
            }
        }
        return proxy;
    }

    private synchronized void remove(ClientProxy proxy) {
        clients.remove(proxy.id(), proxy);
        notifyAll();
    }

    private void lateReply(ClientProxy.LateReply late) {
        for (Consumer<ClientProxy.LateReply> l : lateReplyListeners) {
            try {
                l.accept(late);
            } catch (RuntimeException e) {
                LOG.errorf(e, "late-reply listener failed for client %s", late.client().id());
            }
        }
    }

    /**
     * Ends every open stream of {@code siteId} now with {@code status} (its site was revoked); a
     * reply it owes fails the round's wait for it at once.
     */
    public void terminateSite(String siteId, io.grpc.Status status) {
        List<ClientProxy> theirs = new ArrayList<>();
        synchronized (this) {
            for (ClientProxy c : clients.values()) {
                if (siteId.equals(c.siteId())) {
                    theirs.add(c);
                }
            }
        }
        for (ClientProxy c : theirs) {
            c.terminate(status);
        }
    }

    /** Called with every client that joins, after it is registered. */
    public void onJoin(Consumer<ClientProxy> listener) {
        joinListeners.add(listener);
    }

    /** Called with every reply that arrives after its round stopped waiting. */
    public void onLateReply(Consumer<ClientProxy.LateReply> listener) {
        lateReplyListeners.add(listener);
    }

    /** Open clients, in joining order. */
    public synchronized List<ClientProxy> connected() {
        List<ClientProxy> out = new ArrayList<>();
        for (ClientProxy c : clients.values()) {
            if (c.isOpen()) {
                out.add(c);
            }
        }
        return out;
    }

    /** Open clients that may work for {@code run} (see {@link ClientProxy#servesRun}). */
    public List<ClientProxy> connected(String run) {
        List<ClientProxy> out = new ArrayList<>();
        for (ClientProxy c : connected()) {
            if (c.servesRun(run)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Clients of {@code run} that owe no reply: the ones an instruction can go to now. */
    public List<ClientProxy> idle(String run) {
        List<ClientProxy> out = new ArrayList<>();
        for (ClientProxy c : connected(run)) {
            if (!c.busy()) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Waits until at least {@code min} clients of {@code run} are idle.
     *
     * @return true when they are, false on timeout
     */
    public synchronized boolean awaitIdle(String run, int min, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (idle(run).size() < min) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            // Replies arrive without notifying; poll at least every 100 ms.
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
        return true;
    }
}
