package org.synthray.coordinator.ledger;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.synthray.coordinator.cli.AdminCliAccess;
import org.synthray.coordinator.testing.FreePortsResource;
import org.synthray.coordinator.testing.PostgresResource;

/**
 * The chain walk on a real PostgreSQL: rows edited behind the coordinator's back are named, by the
 * REST API and by {@code synthray-admin ledger verify}; concurrent writers leave an intact, gapless chain.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(FreePortsResource.class)
class LedgerVerificationTest {

    @Inject
    Ledger ledger;

    @Inject
    LedgerService service;

    @Inject
    AgroalDataSource db;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    private int sql(String statement, Object... args) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement st = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            return st.executeUpdate();
        }
    }

    private String column(String column, long seq) throws Exception {
        try (Connection c = db.getConnection();
             PreparedStatement st = c.prepareStatement("SELECT " + column + " FROM ledger_events WHERE seq = ?")) {
            st.setLong(1, seq);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next(), "no event " + seq);
                return rs.getString(1);
            }
        }
    }

    private static JsonPath verifyRest() {
        return given().get("/api/ledger/verify").then().statusCode(200).extract().jsonPath();
    }

    private String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = AdminCliAccess.run(new PrintWriter(out), new PrintWriter(err), "http://127.0.0.1:" + port, args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void anEventEditedInTheDatabaseIsNamed() throws Exception {
        long a = ledger.append("admin", EventType.RUN_CREATED, Map.of("run", "run-tamper", "rounds", 2));
        long b = ledger.append("site:hospital-a", EventType.UPDATE_ACCEPTED,
                Map.of("run", "run-tamper", "round", 1, "site", "hospital-a", "num_examples", 120));
        long c = ledger.append("coordinator", EventType.RUN_COMPLETED, Map.of("run", "run-tamper"));
        assertTrue(verifyRest().getBoolean("ok"), verifyRest().prettify());

        String payload = column("payload", b);
        try {
            // Someone inflates a site's contribution directly in SQL.
            assertEquals(1, sql("UPDATE ledger_events SET payload = ? WHERE seq = ?", payload.replace("120", "1200"), b));
            JsonPath v = verifyRest();
            assertFalse(v.getBoolean("ok"));
            assertEquals(b, v.getLong("first_bad_seq"));
            assertEquals(b - 1, v.getLong("count"));
            assertTrue(v.getString("reason").contains("payload was changed"), v.getString("reason"));

            String[] r = cli("ledger", "verify");
            assertEquals("1", r[0], r[2]);
            assertTrue(r[1].startsWith("ledger BROKEN at event " + b + ":"), r[1]);
        } finally {
            sql("UPDATE ledger_events SET payload = ? WHERE seq = ?", payload, b);
        }
        assertTrue(verifyRest().getBoolean("ok"));

        // Only the actor changed: the hash covers it too.
        try {
            sql("UPDATE ledger_events SET actor = 'admin' WHERE seq = ?", b);
            JsonPath v = verifyRest();
            assertFalse(v.getBoolean("ok"));
            assertEquals(b, v.getLong("first_bad_seq"));
        } finally {
            sql("UPDATE ledger_events SET actor = 'site:hospital-a' WHERE seq = ?", b);
        }

        // A forger who also rewrites the event's hash is caught at the next event's link.
        String hash = column("hash", a);
        try {
            sql("UPDATE ledger_events SET hash = ? WHERE seq = ?", "f".repeat(64), a);
            JsonPath v = verifyRest();
            assertFalse(v.getBoolean("ok"));
            assertEquals(a, v.getLong("first_bad_seq"));
        } finally {
            sql("UPDATE ledger_events SET hash = ? WHERE seq = ?", hash, a);
        }

        // An event deleted from the end is noticed through the head.
        String[] last = {column("recorded_at", c), column("payload", c), column("prev_hash", c), column("hash", c)};
        long head = service.head().seq();
        if (head == c) {
            try {
                sql("DELETE FROM ledger_events WHERE seq = ?", c);
                JsonPath v = verifyRest();
                assertFalse(v.getBoolean("ok"));
                assertEquals(c, v.getLong("first_bad_seq"));
                assertTrue(v.getString("reason").contains("missing"), v.getString("reason"));
            } finally {
                sql("INSERT INTO ledger_events (seq, recorded_at, actor, event_type, payload, prev_hash, hash)"
                        + " VALUES (?, CAST(? AS TIMESTAMP WITH TIME ZONE), 'coordinator', 'RUN_COMPLETED', ?, ?, ?)",
                        c, last[0], last[1], last[2], last[3]);
            }
        }
        JsonPath v = verifyRest();
        assertTrue(v.getBoolean("ok"), v.prettify());
        assertNull(v.get("first_bad_seq"));
        String[] r = cli("ledger", "verify");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("ledger ok: "), r[1]);
    }

    /** The export query docs/provenance.md gives for psql's {@code \\copy}. */
    static final String EXPORT = "COPY (SELECT seq, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
            + " actor, event_type, payload, prev_hash, hash FROM ledger_events ORDER BY seq) TO STDOUT WITH (FORMAT csv)";

    private static String[] python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", "../bin/ledger-verify.py"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new String[] {String.valueOf(p.waitFor()), out};
    }

    @Test
    void theStandaloneScriptVerifiesTheChainWithoutSynthRaysCode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new java.io.File("/usr/bin/python3").canExecute()
                || new java.io.File("/usr/local/bin/python3").canExecute(), "python3 is not installed");
        long a = ledger.append("admin", EventType.RUN_CREATED, Map.of("run", "run-py", "name", "Zürich ünd \"quotes\"\t", "lr", 0.001));
        ledger.append("site:hospital-ü", EventType.UPDATE_REJECTED, Map.of("run", "run-py", "reason", "NaN in tensor w[0]"));
        String url = "http://127.0.0.1:" + port;

        String[] ok = python(url);
        assertEquals("0", ok[0], ok[1]);
        assertTrue(ok[1].startsWith("ok " + service.head().seq() + " " + service.head().hash()), ok[1]);
        // A token is sent when given; a ledger that cannot be read is one clear line, not a traceback.
        assertEquals("0", python("--token", "some-access-token", url)[0]);
        String[] refused = python(url + "/no-such-prefix");
        assertEquals("2", refused[0], refused[1]);
        assertTrue(refused[1].contains("cannot read the ledger") && refused[1].contains("HTTP 404")
                && !refused[1].contains("Traceback"), refused[1]);

        java.nio.file.Path csv = dir.resolve("ledger.csv");
        try (Connection c = db.getConnection(); java.io.Writer w = java.nio.file.Files.newBufferedWriter(csv)) {
            new org.postgresql.copy.CopyManager(c.unwrap(org.postgresql.core.BaseConnection.class)).copyOut(EXPORT, w);
        }
        String[] fromCsv = python(csv.toString());
        assertEquals("0", fromCsv[0], fromCsv[1]);

        String payload = column("payload", a);
        try {
            sql("UPDATE ledger_events SET payload = ? WHERE seq = ?", payload.replace("0.001", "0.01"), a);
            String[] bad = python(url);
            assertEquals("1", bad[0], bad[1]);
            assertEquals("event " + a + ": its contents do not hash to its stored hash", bad[1].strip());
        } finally {
            sql("UPDATE ledger_events SET payload = ? WHERE seq = ?", payload, a);
        }
    }

    @Test
    void fourConcurrentWritersLeaveAnIntactGaplessChain() throws Exception {
        int writers = 4;
        int each = 300;
        long before = service.head().seq();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String actor = "site:writer-" + w;
            futures.add(pool.submit((Callable<List<Long>>) () -> {
                go.await();
                List<Long> seqs = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    int n = i;
                    // Some appends share a transaction with other work, as the recorder's do.
                    seqs.add(QuarkusTransaction.requiringNew().call(() -> {
                        long s = ledger.append(actor, EventType.UPDATE_ACCEPTED, Map.of("writer", actor, "n", n));
                        if (n % 3 == 0) {
                            return Math.min(s, ledger.append(actor, EventType.ROUND_COMPLETED, Map.of("writer", actor, "n", n)));
                        }
                        return s;
                    }));
                }
                return seqs;
            }));
        }
        go.countDown();
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get());
        }
        pool.shutdown();

        long appended = (long) writers * each + (long) writers * ((each + 2) / 3);
        assertEquals(before + appended, service.head().seq());
        Collections.sort(all);
        assertEquals(writers * each, all.stream().distinct().count());

        // Gapless: every sequence number in the range is there exactly once, in one chain.
        List<LedgerEvent> events = new ArrayList<>();
        long after = before;
        while (true) {
            List<LedgerEvent> page = service.list(after, 500);
            if (page.isEmpty()) {
                break;
            }
            events.addAll(page);
            after = page.get(page.size() - 1).seq();
        }
        assertEquals(appended, events.size());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(before + 1 + i, events.get(i).seq());
            if (i > 0) {
                assertEquals(events.get(i - 1).hash(), events.get(i).prevHash());
            }
        }
        LedgerService.Verification v = service.verify();
        assertTrue(v.ok(), v.reason());
        assertEquals(v.headSeq(), v.count());
        assertTrue(v.count() > LedgerService.PAGE, "the walk crossed pages");
    }

    @Test
    void eventsArePagedInOrderWithTheirHashedText() throws Exception {
        long a = ledger.append("admin", EventType.RUN_STARTED, Map.of("run", "run-list"));
        ledger.append("admin", EventType.RUN_CANCELLED, Map.of("run", "run-list", "was", "RUNNING"));
        JsonPath page = given().get("/api/ledger?after=" + (a - 1) + "&limit=1").then().statusCode(200).extract().jsonPath();
        assertEquals(1, page.getList("events").size());
        assertEquals(a, page.getLong("events[0].seq"));
        assertEquals("RUN_STARTED", page.getString("events[0].type"));
        assertEquals("run-list", page.getString("events[0].payload.run"));
        assertEquals("{\"run\":\"run-list\"}", page.getString("events[0].payload_text"));
        assertEquals(a, page.getLong("next_after"));
        JsonPath next = given().get("/api/ledger?after=" + a + "&limit=1").then().statusCode(200).extract().jsonPath();
        assertEquals("RUN_CANCELLED", next.getString("events[0].type"));
        assertEquals(page.getString("events[0].hash"), next.getString("events[0].prev_hash"));
        given().get("/api/ledger?limit=0").then().statusCode(400);

        String[] r = cli("ledger", "list", "--after", String.valueOf(a - 1), "--limit", "2");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\n");
        assertEquals(2, lines.length, r[1]);
        assertTrue(lines[0].contains("RUN_STARTED") && lines[0].contains("{\"run\":\"run-list\"}"), lines[0]);
        assertTrue(lines[1].contains("RUN_CANCELLED"), lines[1]);
    }
}
