package org.synthray.coordinator.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.coordinator.testing.FreePortsResource;
import org.synthray.coordinator.testing.PostgresResource;
import org.synthray.json.HashChain;

/** Appends on a real PostgreSQL: hashes, chaining, and the transaction an append belongs to. */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(FreePortsResource.class)
class LedgerServiceTest {

    @Inject
    Ledger ledger;

    @Inject
    AgroalDataSource db;

    private LedgerEvent row(long seq) throws Exception {
        try (Connection c = db.getConnection();
             PreparedStatement st = c.prepareStatement(
                     "SELECT seq, recorded_at, actor, event_type, payload, prev_hash, hash FROM ledger_events WHERE seq = ?")) {
            st.setLong(1, seq);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new LedgerEvent(rs.getLong(1),
                        LedgerEvent.time(rs.getObject(2, java.time.OffsetDateTime.class).toInstant()),
                        rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7));
            }
        }
    }

    @Test
    void appendsChainEachEventToTheOneBefore() throws Exception {
        long a = ledger.append("admin", EventType.RUN_CREATED, Map.of("run", "run-x", "name", "chest", "rounds", 3));
        long b = ledger.append("site:hospital-a", EventType.UPDATE_ACCEPTED, Map.of("run", "run-x", "round", 1));
        assertEquals(a + 1, b);

        LedgerEvent first = row(a);
        LedgerEvent second = row(b);
        // Canonical payload: keys sorted, no whitespace.
        assertEquals("{\"name\":\"chest\",\"rounds\":3,\"run\":\"run-x\"}", first.payload());
        assertEquals("admin", first.actor());
        assertEquals("RUN_CREATED", first.type());
        String expected = "{\"actor\":\"admin\",\"payload\":{\"name\":\"chest\",\"rounds\":3,\"run\":\"run-x\"},\"seq\":" + a
                + ",\"time\":\"" + first.time() + "\",\"type\":\"RUN_CREATED\"}";
        assertEquals(expected, first.canonical());
        assertEquals(HashChain.link(first.prevHash(), expected), first.hash());
        assertEquals(first.hash(), second.prevHash());
        assertEquals(second.expectedHash(first.hash()), second.hash());
        if (a == 1) {
            assertEquals(HashChain.GENESIS, first.prevHash());
        }
    }

    @Test
    void anEventRollsBackWithTheTransactionItBelongsTo() throws Exception {
        long before = ledger.append("coordinator", EventType.RUN_STARTED, Map.of("run", "run-y"));
        assertThrows(IllegalStateException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
            ledger.append("coordinator", EventType.RUN_FAILED, Map.of("run", "run-y"));
            throw new IllegalStateException("the change this event records failed");
        }));
        long after = ledger.append("coordinator", EventType.RUN_CANCELLED, Map.of("run", "run-y"));
        // The rolled-back event left neither a row nor a gap.
        assertEquals(before + 1, after);
        assertEquals("RUN_CANCELLED", row(after).type());
        assertEquals(row(before).hash(), row(after).prevHash());
    }
}
