package org.synthray.coordinator.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import org.synthray.json.CanonicalJson;
import org.synthray.json.HashChain;

/**
 * The ledger in the coordinator's database (tables {@code ledger_events} and {@code ledger_head}).
 *
 * <p>An append joins the caller's transaction, so an event commits or rolls back together with the
 * change it records. It locks the one-row head table ({@code SELECT ... FOR UPDATE}) until that
 * transaction ends: appends are serialised on PostgreSQL and H2 alike and sequence numbers have no
 * gaps. Callers should therefore append as the last step of a transaction, keeping the lock short.
 */
@ApplicationScoped
public class LedgerService implements Ledger {

    @Inject
    EntityManager em;

    @Override
    @Transactional
    public long append(String actor, EventType type, Map<String, ?> payload) {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(type, "type");
        if (actor.isBlank() || actor.length() > 200) {
            throw new IllegalArgumentException("ledger actor must be 1 to 200 characters: " + actor);
        }
        String canonicalPayload = canonicalPayload(payload);

        Object[] head = (Object[]) em.createNativeQuery("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE")
                .getSingleResult();
        long seq = ((Number) head[0]).longValue() + 1;
        String prev = (String) head[1];
        Instant now = Instant.now();
        String time = LedgerEvent.time(now);
        String hash = HashChain.link(prev, LedgerEvent.canonical(seq, time, actor, type.name(), canonicalPayload));

        em.createNativeQuery("INSERT INTO ledger_events (seq, recorded_at, actor, event_type, payload, prev_hash, hash)"
                        + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .setParameter(1, seq)
                .setParameter(2, OffsetDateTime.ofInstant(Instant.parse(time), ZoneOffset.UTC))
                .setParameter(3, actor)
                .setParameter(4, type.name())
                .setParameter(5, canonicalPayload)
                .setParameter(6, prev)
                .setParameter(7, hash)
                .executeUpdate();
        em.createNativeQuery("UPDATE ledger_head SET seq = ?1, hash = ?2 WHERE id = 1")
                .setParameter(1, seq)
                .setParameter(2, hash)
                .executeUpdate();
        return seq;
    }

    /** The payload's canonical JSON text; refuses values that are not plain JSON (NaN, infinities). */
    static String canonicalPayload(Map<String, ?> payload) {
        String text = CanonicalJson.write(payload == null ? Map.of() : payload);
        JsonNode parsed;
        try {
            parsed = CanonicalJson.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ledger payload is not plain JSON (NaN or infinite numbers?): " + text, e);
        }
        if (!parsed.isObject() || hasNonFinite(parsed)) {
            throw new IllegalArgumentException("ledger payload must be a JSON object of finite values: " + text);
        }
        return text;
    }

    private static boolean hasNonFinite(JsonNode n) {
        if (n.isFloatingPointNumber()) {
            return !Double.isFinite(n.doubleValue());
        }
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
            if (hasNonFinite(it.next())) {
                return true;
            }
        }
        return false;
    }
}
