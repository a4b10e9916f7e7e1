package org.synthray.coordinator.ledger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.synthray.coordinator.testing.FreePortsResource;
import org.synthray.coordinator.testing.PostgresResource;
import org.synthray.json.CanonicalJson;

/**
 * Ledger benchmark: not a test (it asserts nothing about time) and skipped unless asked for. Run it
 * alone (docs/benchmarks.md, "Ledger"):
 *
 * <pre>
 * ./mvnw -q -pl coordinator -am verify -Dtest=LedgerBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=none -DskipITs -Dsynthray.bench=true [-Dsynthray.bench.appends=2500] [-Dsynthray.bench.events=100000]
 *     [-Dquarkus.datasource.jdbc.new-connection-sql="SET synchronous_commit TO on"]
 * </pre>
 *
 * On the tests' real PostgreSQL, through {@link LedgerService} as the coordinator uses it: appends
 * per second from 1 and from 4 concurrent writers (each append its own transaction), then the
 * chain is filled to 100,000 events and walked by {@link LedgerService#verify()}. Results go to
 * stdout and {@code coordinator/target/ledger-benchmark.txt}.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
@QuarkusTestResource(FreePortsResource.class)
@EnabledIfSystemProperty(named = "synthray.bench", matches = "true")
class LedgerBenchmark {

    @Inject
    Ledger ledger;

    @Inject
    LedgerService service;

    @Inject
    AgroalDataSource db;

    private final List<String> lines = new ArrayList<>();

    private void report(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[bench] " + line);
        lines.add(line);
    }

    /** A payload shaped like an accepted update's. */
    static Map<String, Object> payload(int writer, int n) {
        Map<String, Object> p = CanonicalJson.object();
        p.put("run", "run-0123456789ab");
        p.put("round", n / 10 + 1);
        p.put("attempt", 1);
        p.put("site", "hospital-" + writer);
        p.put("outcome", "ACCEPTED");
        p.put("reason", null);
        p.put("num_examples", 1000 + n);
        p.put("update_sha256", String.format(Locale.ROOT, "%064x", (long) writer << 32 | n));
        return p;
    }

    private String show(String setting) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private double appends(int writers, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < each; i++) {
                    int n = i;
                    QuarkusTransaction.requiringNew().run(() ->
                            ledger.append("site:hospital-" + writer, EventType.UPDATE_ACCEPTED, payload(writer, n)));
                }
                return null;
            }));
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        long nanos = System.nanoTime() - t0;
        pool.shutdown();
        return writers * (double) each / (nanos / 1e9);
    }

    @Test
    void run() throws Exception {
        int each = Integer.getInteger("synthray.bench.appends", 2500);
        int target = Integer.getInteger("synthray.bench.events", 100_000);
        report("machine: %d cores, %s, JDK %s, load average %.1f; PostgreSQL %s, synchronous_commit=%s, fsync=%s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("java.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), show("server_version"),
                show("synchronous_commit"), show("fsync"));

        appends(4, 200); // warm-up
        for (int repeat = 0; repeat < 2; repeat++) {
            report("appends, 1 writer x %d: %.0f events/s", each, appends(1, each));
            report("appends, 4 writers x %d: %.0f events/s", each, appends(4, each));
        }

        long head = service.head().seq();
        long t0 = System.nanoTime();
        while (head < target) {
            long batch = Math.min(1000, target - head);
            QuarkusTransaction.requiringNew().run(() -> {
                for (int i = 0; i < batch; i++) {
                    ledger.append("coordinator", EventType.UPDATE_ACCEPTED, payload(9, i));
                }
            });
            head = service.head().seq();
        }
        report("filled to %d events in %.1f s (1,000 appends per transaction)", head, (System.nanoTime() - t0) / 1e9);

        for (int repeat = 0; repeat < 3; repeat++) {
            Runtime.getRuntime().gc();
            long used0 = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            long v0 = System.nanoTime();
            LedgerService.Verification v = service.verify();
            double seconds = (System.nanoTime() - v0) / 1e9;
            if (!v.ok()) {
                throw new AssertionError("the chain does not verify: " + v.reason());
            }
            report("verify %d events: %.2f s (%.0f events/s), heap before %d MiB", v.count(), seconds, v.count() / seconds,
                    used0 >> 20);
        }
        Path out = Path.of("target", "ledger-benchmark.txt");
        Files.write(out, lines);
    }
}
