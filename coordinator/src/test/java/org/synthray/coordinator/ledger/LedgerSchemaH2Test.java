package org.synthray.coordinator.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.synthray.json.HashChain;

/**
 * The embedded default database: the migrations apply on H2, the head row lock makes a second
 * appender wait, and stored times read back exactly as hashed.
 */
class LedgerSchemaH2Test {

    @Test
    void theHeadLockSerialisesAppendersOnH2() throws Exception {
        String url = "jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=300";
        Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/migration").load().migrate();
        try (Connection first = DriverManager.getConnection(url, "sa", "");
             Connection second = DriverManager.getConnection(url, "sa", "")) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            assertEquals(HashChain.GENESIS, lockHead(first)[1]);
            // While the first appender holds the head, the second cannot take it.
            assertThrows(SQLException.class, () -> lockHead(second));
            second.rollback();

            String time = LedgerEvent.time(Instant.now());
            String payload = "{\"run\":\"run-h2\"}";
            String hash = HashChain.link(HashChain.GENESIS, LedgerEvent.canonical(1, time, "admin", "RUN_CREATED", payload));
            try (PreparedStatement st = first.prepareStatement("INSERT INTO ledger_events (seq, recorded_at, actor, event_type,"
                    + " payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                st.setLong(1, 1);
                st.setObject(2, OffsetDateTime.ofInstant(Instant.parse(time), ZoneOffset.UTC));
                st.setString(3, "admin");
                st.setString(4, "RUN_CREATED");
                st.setString(5, payload);
                st.setString(6, HashChain.GENESIS);
                st.setString(7, hash);
                st.executeUpdate();
            }
            try (PreparedStatement st = first.prepareStatement("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1")) {
                st.setLong(1, 1);
                st.setString(2, hash);
                st.executeUpdate();
            }
            first.commit();

            Object[] head = lockHead(second);
            assertEquals(1L, head[0]);
            assertEquals(hash, head[1]);
            try (PreparedStatement st = second.prepareStatement("SELECT recorded_at FROM ledger_events WHERE seq = 1");
                 ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(time, LedgerEvent.time(rs.getObject(1, OffsetDateTime.class).toInstant()));
            }
            second.rollback();
            // The head table holds exactly one row.
            try (PreparedStatement st = first.prepareStatement("INSERT INTO ledger_head (id, seq, hash) VALUES (2, 0, 'x')")) {
                assertThrows(SQLException.class, st::executeUpdate);
            }
        }
    }

    private static Object[] lockHead(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE");
             ResultSet rs = st.executeQuery()) {
            assertTrue(rs.next());
            return new Object[] {rs.getLong(1), rs.getString(2)};
        }
    }
}
