package org.synthray.coordinator.security;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.synthray.coordinator.ledger.Actors;
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

    @Inject
    Ledger ledger;

    @Inject
    RefusalLedger refusals;

    private final Map<String, SiteRecord.Status> statuses = new ConcurrentHashMap<>();
    @Inject
    Event<SiteRevoked> revocations;

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

    /** All sites with their status, in id order. */
    public List<SiteView> list() {
        return QuarkusTransaction.requiringNew().call(() -> SiteRecord.<SiteRecord>list("order by siteId").stream()
                .map(SiteView::of).toList());
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
                ledger.append(Actors.site(siteId), EventType.SITE_ENROLLED, payload("site", siteId, "subject", subject));
            });
            statuses.put(siteId, SiteRecord.Status.PENDING);
            LOG.infof("site %s enrolled (pending an admin's approval)", siteId);
            return SiteRecord.Status.PENDING;
        }
    }

    /** Approves a site (enrolling it if it never called); ledger: {@code SITE_APPROVED}. */
    public SiteView approve(String siteId, String actor) {
        SiteView r = decide(siteId, SiteRecord.Status.APPROVED, actor, null, EventType.SITE_APPROVED);
        LOG.infof("site %s approved by %s", siteId, actor);
        return r;
    }

    /**
     * Revokes a site; ledger: {@code SITE_REVOKED}. Its next call is refused, and {@link SiteRevoked}
     * tells whoever holds the site's open streams (the Join service) to close them now.
     */
    public SiteView revoke(String siteId, String actor, String reason) {
        SiteView r = decide(siteId, SiteRecord.Status.REVOKED, actor, reason, EventType.SITE_REVOKED);
        LOG.warnf("site %s revoked by %s%s", siteId, actor, reason != null ? ": " + reason : "");
        try {
            revocations.fire(new SiteRevoked(siteId));
        } catch (RuntimeException e) {
            // The revocation stands (the next call is refused); only closing open streams failed.
            LOG.errorf(e, "closing the open streams of revoked site %s failed", siteId);
        }
        return r;
    }

    /** An admin's decision on a site (which may not have called yet): stored, in the ledger, then in memory. */
    private synchronized SiteView decide(String siteId, SiteRecord.Status status, String actor, String reason, EventType event) {
        checkId(siteId);
        SiteView r = QuarkusTransaction.requiringNew().call(() -> {
            SiteRecord s = findOrNew(siteId);
            s.status = status;
            s.decidedAt = now();
            s.decidedBy = actor;
            s.reason = reason;
            if (!s.isPersistent()) {
                s.persist();
            }
            ledger.append(actor, event, payload("site", siteId, "reason", reason));
            return SiteView.of(s);
        });
        statuses.put(siteId, status);
        return r;
    }

    /**
     * Records a refused call of an authenticated caller; ledger: {@code ACCESS_REFUSED}, aggregated
     * per caller and minute ({@link RefusalLedger}).
     */
    public void recordRefusal(String actor, String what, String reason) {
        refusals.refused(actor, what, reason);
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
        if (!org.synthray.auth.CallerHeaders.isSiteId(siteId)) {
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
