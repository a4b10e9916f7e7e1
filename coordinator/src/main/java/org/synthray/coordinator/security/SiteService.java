package org.synthray.coordinator.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.SiteRecord;

/**
 * The consortium's sites and their status: enrolment of unknown sites (pending), approval and
 * revocation by an admin, and the refusals the ledger records. Statuses are also held in memory so
 * that the gRPC interceptor decides without a database round trip; every change goes through here,
 * in one coordinator process, so the two never disagree.
 */
@ApplicationScoped
public class SiteService {
    private static final Logger LOG = Logger.getLogger(SiteService.class);
    public static final String SITE_ID_PATTERN = "[A-Za-z0-9._-]{1,64}";

    @Inject
    Ledger ledger;

    private final Map<String, SiteRecord.Status> statuses = new ConcurrentHashMap<>();
    private final List<Consumer<String>> revocationListeners = new CopyOnWriteArrayList<>();

    void load(@Observes StartupEvent ev) {
        QuarkusTransaction.requiringNew().run(() -> {
            for (SiteRecord s : SiteRecord.<SiteRecord>listAll()) {
                statuses.put(s.siteId, s.status);
            }
        });
    }

    /** The site's status; empty for a site never seen. */
    public Optional<SiteRecord.Status> status(String siteId) {
        return Optional.ofNullable(statuses.get(siteId));
    }

    /** All sites, in id order. */
    public List<SiteRecord> list() {
        return QuarkusTransaction.requiringNew().call(() -> SiteRecord.<SiteRecord>list("order by siteId"));
    }

    /**
     * Records a site seen for the first time as pending (ledger: {@code SITE_ENROLLED}); returns its
     * status, which is the existing one when another call enrolled it first.
     */
    public SiteRecord.Status enroll(String siteId, String subject) {
        checkId(siteId);
        SiteRecord.Status known = statuses.get(siteId);
        if (known != null) {
            return known;
        }
        synchronized (this) {
            known = statuses.get(siteId);
            if (known != null) {
                return known;
            }
            QuarkusTransaction.requiringNew().run(() -> {
                SiteRecord s = new SiteRecord();
                s.siteId = siteId;
                s.status = SiteRecord.Status.PENDING;
                s.firstSubject = subject;
                s.enrolledAt = now();
                s.persist();
                ledger.append(org.synthray.coordinator.ledger.Actors.site(siteId), EventType.SITE_ENROLLED, payload("site", siteId, "subject", subject));
            });
            statuses.put(siteId, SiteRecord.Status.PENDING);
            LOG.infof("site %s enrolled (pending an admin's approval)", siteId);
            return SiteRecord.Status.PENDING;
        }
    }

    /** Approves a site (enrolling it if it never called); ledger: {@code SITE_APPROVED}. */
    public synchronized SiteRecord approve(String siteId, String actor) {
        checkId(siteId);
        SiteRecord r = QuarkusTransaction.requiringNew().call(() -> {
            SiteRecord s = findOrNew(siteId);
            s.status = SiteRecord.Status.APPROVED;
            s.decidedAt = now();
            s.decidedBy = actor;
            s.reason = null;
            if (!s.isPersistent()) {
                s.persist();
            }
            ledger.append(actor, EventType.SITE_APPROVED, payload("site", siteId));
            return s;
        });
        statuses.put(siteId, SiteRecord.Status.APPROVED);
        LOG.infof("site %s approved by %s", siteId, actor);
        return r;
    }

    /**
     * Revokes a site; ledger: {@code SITE_REVOKED}. Its next call is refused, and every listener
     * (the Join service, streaming SynthRay services) closes the site's open streams now.
     */
    public SiteRecord revoke(String siteId, String actor, String reason) {
        checkId(siteId);
        SiteRecord r;
        synchronized (this) {
            r = QuarkusTransaction.requiringNew().call(() -> {
                SiteRecord s = findOrNew(siteId);
                s.status = SiteRecord.Status.REVOKED;
                s.decidedAt = now();
                s.decidedBy = actor;
                s.reason = reason;
                if (!s.isPersistent()) {
                    s.persist();
                }
                ledger.append(actor, EventType.SITE_REVOKED, payload("site", siteId, "reason", reason));
                return s;
            });
            statuses.put(siteId, SiteRecord.Status.REVOKED);
        }
        LOG.warnf("site %s revoked by %s%s", siteId, actor, reason != null ? ": " + reason : "");
        for (Consumer<String> l : revocationListeners) {
            try {
                l.accept(siteId);
            } catch (RuntimeException e) {
                LOG.errorf(e, "revocation listener failed for site %s", siteId);
            }
        }
        return r;
    }

    /** Called with a site's id right after it is revoked: close its open streams there. */
    public void onRevoke(Consumer<String> listener) {
        revocationListeners.add(listener);
    }

    /** Records a refused call of an authenticated caller; ledger: {@code ACCESS_REFUSED}. */
    public void recordRefusal(String actor, String what, String reason) {
        try {
            QuarkusTransaction.requiringNew().run(() -> ledger.append(actor, EventType.ACCESS_REFUSED,
                    payload("call", what, "reason", reason)));
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not record the refusal of %s for %s", what, actor);
        }
    }

    /** The stored site, or a new (not yet persisted) one: an admin may decide before the site ever called. */
    private static SiteRecord findOrNew(String siteId) {
        SiteRecord s = SiteRecord.findById(siteId);
        if (s == null) {
            s = new SiteRecord();
            s.siteId = siteId;
            s.enrolledAt = now();
        }
        return s;
    }

    private static void checkId(String siteId) {
        if (siteId == null || !siteId.matches(SITE_ID_PATTERN)) {
            throw new IllegalArgumentException("a site id has 1-64 letters, digits, '.', '_' or '-'");
        }
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static Map<String, Object> payload(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }
}
