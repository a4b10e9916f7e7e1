package org.synthray.coordinator.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
    /** Events read per query while verifying: the walk never holds more than this in memory. */
    static final int PAGE = 1000;

    @Inject
    EntityManager em;

    @Inject
    AgroalDataSource db;

    /** The last event's sequence number and hash (0 and 64 zeros while the ledger is empty). */
    public record Head(long seq, String hash) {
    }

    /**
     * The outcome of walking the chain.
     *
     * @param ok          every event up to the head matches
     * @param count       events checked (all of them when ok; those before the first bad one otherwise)
     * @param headSeq     the head's sequence number when the walk began
     * @param headHash    the head's hash when the walk began
     * @param firstBadSeq the first event that does not match, or null when ok
     * @param reason      why it does not match, or null when ok
     */
    public record Verification(boolean ok, long count, long headSeq, String headHash, Long firstBadSeq, String reason) {
        static Verification bad(long count, Head head, long seq, String reason) {
            return new Verification(false, count, head.seq(), head.hash(), seq, reason);
        }
    }

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

    /** The head as committed now. */
    public Head head() {
        try (Connection c = db.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT seq, hash FROM ledger_head WHERE id = 1");
             ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("the ledger_head row is missing");
            }
            return new Head(rs.getLong(1), rs.getString(2));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the ledger head: " + e.getMessage(), e);
        }
    }

    /** The most events one {@link #events} page holds. */
    public static final int MAX_PAGE = 1000;

    /**
     * A page of events for people to read: those after sequence number {@code after}, at most
     * {@code limit} (1 to {@link #MAX_PAGE}).
     *
     * @throws IllegalArgumentException for a negative {@code after} or a limit out of range
     */
    public LedgerViews.EventPage events(long after, int limit) {
        if (after < 0 || limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("after must be >= 0 and limit between 1 and " + MAX_PAGE);
        }
        long headSeq = head().seq();
        List<LedgerViews.EventView> events = list(after, limit).stream().map(LedgerViews.EventView::of).toList();
        Long next = events.size() == limit ? events.get(events.size() - 1).seq() : null;
        return new LedgerViews.EventPage(events, headSeq, next);
    }

    /** Up to {@code limit} committed events with sequence numbers above {@code after}, in order. */
    public List<LedgerEvent> list(long after, int limit) {
        try (Connection c = db.getConnection()) {
            return page(c, after, Long.MAX_VALUE, limit);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the ledger: " + e.getMessage(), e);
        }
    }

    /**
     * Which events to list; null fields do not filter. {@code site} and {@code run} match the event's
     * payload ({@code "site":"…"}, {@code "run":"…"}) or, for a site, its actor ({@code site:…}).
     */
    public record Filter(EventType type, String site, String run, java.time.Instant from, java.time.Instant to) {
        public static final Filter NONE = new Filter(null, null, null, null, null);
    }

    /** Up to {@code limit} events above {@code after} that pass {@code filter}, in order. */
    public List<LedgerEvent> list(Filter filter, long after, int limit) {
        StringBuilder sql = new StringBuilder("SELECT seq, recorded_at, actor, event_type, payload, prev_hash, hash"
                + " FROM ledger_events WHERE seq > ?");
        List<Object> args = new ArrayList<>();
        args.add(after);
        if (filter.type() != null) {
            sql.append(" AND event_type = ?");
            args.add(filter.type().name());
        }
        if (filter.site() != null) {
            sql.append(" AND (payload LIKE ? ESCAPE '!' OR actor = ?)");
            args.add("%" + like(CanonicalJson.write(Map.of("site", filter.site())).replaceAll("^\\{|\\}$", "")) + "%");
            args.add("site:" + filter.site());
        }
        if (filter.run() != null) {
            sql.append(" AND payload LIKE ? ESCAPE '!'");
            args.add("%" + like(CanonicalJson.write(Map.of("run", filter.run())).replaceAll("^\\{|\\}$", "")) + "%");
        }
        if (filter.from() != null) {
            sql.append(" AND recorded_at >= ?");
            args.add(OffsetDateTime.ofInstant(filter.from(), java.time.ZoneOffset.UTC));
        }
        if (filter.to() != null) {
            sql.append(" AND recorded_at < ?");
            args.add(OffsetDateTime.ofInstant(filter.to(), java.time.ZoneOffset.UTC));
        }
        sql.append(" ORDER BY seq LIMIT ").append(Math.max(1, limit));
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                st.setObject(i + 1, args.get(i));
            }
            List<LedgerEvent> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new LedgerEvent(rs.getLong(1), LedgerEvent.time(rs.getObject(2, OffsetDateTime.class).toInstant()),
                            rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the ledger: " + e.getMessage(), e);
        }
    }

    /** A LIKE pattern that matches {@code s} literally (escape character '!'). */
    private static String like(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    /**
     * Walks the chain from the first event to the head as it was when the walk began (events appended
     * meanwhile are left for the next walk), a page at a time. Names the first event whose sequence
     * number, previous hash or own hash does not match, and notices events missing from the end.
     */
    public Verification verify() {
        Verification v = walk();
        lastVerification = new CheckedAt(java.time.Instant.now(), v);
        return v;
    }

    /** A verification and when it ran. */
    public record CheckedAt(java.time.Instant at, Verification result) {
    }

    private volatile CheckedAt lastVerification;

    /** The last {@link #verify()} since this coordinator started, or null. */
    public CheckedAt lastVerification() {
        return lastVerification;
    }

    private Verification walk() {
        Head head = head();
        long expectedSeq = 1;
        String prev = HashChain.GENESIS;
        long count = 0;
        try (Connection c = db.getConnection()) {
            while (expectedSeq <= head.seq()) {
                List<LedgerEvent> page = page(c, expectedSeq - 1, head.seq(), PAGE);
                if (page.isEmpty()) {
                    break;
                }
                for (LedgerEvent e : page) {
                    if (e.seq() != expectedSeq) {
                        return Verification.bad(count, head, expectedSeq, "event " + expectedSeq
                                + " is missing (the next stored event is " + e.seq() + ")");
                    }
                    if (!prev.equals(e.prevHash())) {
                        return Verification.bad(count, head, e.seq(), "its prev_hash " + e.prevHash()
                                + " is not the hash of the event before it, " + prev
                                + (e.seq() > 1 ? " (event " + e.seq() + " or event " + (e.seq() - 1) + " was changed)" : ""));
                    }
                    String expected = e.expectedHash(prev);
                    if (!expected.equals(e.hash())) {
                        return Verification.bad(count, head, e.seq(), "its contents hash to " + expected
                                + " but its stored hash is " + e.hash() + " (actor, type, time or payload was changed)");
                    }
                    prev = e.hash();
                    count++;
                    expectedSeq++;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the ledger: " + e.getMessage(), e);
        }
        if (count < head.seq()) {
            return Verification.bad(count, head, count + 1, "events " + (count + 1) + " to " + head.seq()
                    + " are missing (the head records " + head.seq() + " events)");
        }
        if (!prev.equals(head.hash())) {
            return Verification.bad(count, head, head.seq(), "the last event's hash " + prev
                    + " is not the head's " + head.hash());
        }
        return new Verification(true, count, head.seq(), head.hash(), null, null);
    }

    private static List<LedgerEvent> page(Connection c, long after, long upTo, int limit) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT seq, recorded_at, actor, event_type, payload, prev_hash, hash FROM ledger_events"
                        + " WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT " + Math.max(1, limit))) {
            st.setLong(1, after);
            st.setLong(2, upTo);
            List<LedgerEvent> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new LedgerEvent(rs.getLong(1), LedgerEvent.time(rs.getObject(2, OffsetDateTime.class).toInstant()),
                            rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        }
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
