package org.synthray.coordinator.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;

/**
 * Refused calls of authenticated callers, kept meaningful under abuse: the refusals of one principal
 * within a window ({@code synthray.ledger.refusal-window}, a minute) become one
 * {@code ACCESS_REFUSED} event carrying their {@code count}, the window and a few distinct calls,
 * each call cut to {@value #MAX_CALL_CHARS} characters. A token holder hammering refused endpoints
 * adds at most one event a minute, however fast it calls (docs/security.md). An event is written
 * when its window ends (checked every few seconds) and at shutdown.
 */
@ApplicationScoped
public class RefusalLedger {
    private static final Logger LOG = Logger.getLogger(RefusalLedger.class);
    /** A request path or method name longer than this is cut: the ledger keeps what, not every byte. */
    static final int MAX_CALL_CHARS = 200;
    /** Distinct calls kept per event, as examples of what was refused. */
    static final int MAX_SAMPLES = 5;
    /** Principals with an open window; beyond this, the oldest window is written early. */
    static final int MAX_OPEN = 10_000;

    @Inject
    Ledger ledger;

    @ConfigProperty(name = "synthray.ledger.refusal-window", defaultValue = "60s")
    Duration window;

    /** Open windows by principal, oldest first (insertion order). */
    private final LinkedHashMap<String, Window> open = new LinkedHashMap<>();
    private ScheduledExecutorService timer;

    private static final class Window {
        final Instant first;
        Instant last;
        long count;
        final LinkedHashSet<String> calls = new LinkedHashSet<>();

        Window(Instant first) {
            this.first = first;
        }
    }

    void start(@Observes StartupEvent ev) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "refusal-ledger");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::writeDue, 5, 5, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent ev) {
        if (timer != null) {
            timer.shutdownNow();
        }
        flush();
    }

    /** Counts a refused call of {@code actor}: {@code what} was refused because of {@code reason}. */
    public void refused(String actor, String what, String reason) {
        String call = cut(what) + ": " + cut(reason);
        Instant now = Instant.now();
        List<Map.Entry<String, Window>> due = new ArrayList<>();
        synchronized (open) {
            Window w = open.get(actor);
            if (w != null && !now.isBefore(w.first.plus(window))) {
                due.add(Map.entry(actor, open.remove(actor)));
                w = null;
            }
            if (w == null) {
                if (open.size() >= MAX_OPEN) {
                    var oldest = open.entrySet().iterator().next();
                    due.add(Map.entry(oldest.getKey(), oldest.getValue()));
                    open.remove(oldest.getKey());
                }
                w = new Window(now);
                open.put(actor, w);
            }
            w.count++;
            w.last = now;
            if (w.calls.size() < MAX_SAMPLES) {
                w.calls.add(call);
            }
        }
        due.forEach(e -> write(e.getKey(), e.getValue()));
    }

    /** Writes every open window now (at shutdown; tests read the ledger after this). */
    public void flush() {
        List<Map.Entry<String, Window>> all;
        synchronized (open) {
            all = new ArrayList<>(open.entrySet());
            open.clear();
        }
        all.forEach(e -> write(e.getKey(), e.getValue()));
    }

    private void writeDue() {
        Instant now = Instant.now();
        List<Map.Entry<String, Window>> due = new ArrayList<>();
        synchronized (open) {
            for (var it = open.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!now.isBefore(e.getValue().first.plus(window))) {
                    due.add(Map.entry(e.getKey(), e.getValue()));
                    it.remove();
                }
            }
        }
        due.forEach(e -> write(e.getKey(), e.getValue()));
    }

    private void write(String actor, Window w) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("count", w.count);
        p.put("from", w.first.toString());
        p.put("to", w.last.toString());
        p.put("calls", List.copyOf(w.calls));
        try {
            QuarkusTransaction.requiringNew().run(() -> ledger.append(actor, EventType.ACCESS_REFUSED, p));
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not record %d refused calls of %s", w.count, actor);
        }
    }

    private static String cut(String s) {
        if (s == null) {
            return "?";
        }
        return s.length() <= MAX_CALL_CHARS ? s : s.substring(0, MAX_CALL_CHARS) + "…";
    }
}
