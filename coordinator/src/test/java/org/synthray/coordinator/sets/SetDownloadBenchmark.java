package org.synthray.coordinator.sets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.synthray.blob.BlobRef;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.json.CanonicalJson;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;
import org.synthray.manifest.SetDescription;

/**
 * Downloads of a large released set: throughput of {@code GET /api/released-sets/{id}/download} and
 * the coordinator's heap while it streams. Not a test (it asserts only that every byte arrived);
 * skipped unless asked for:
 *
 * <pre>
 * ./mvnw -q -pl coordinator -am verify -DskipITs -Dtest=SetDownloadBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dsynthray.bench=true [-Dsynthray.bench.set-mib=1024] [-Dsynthray.bench.image-kib=4096] -DargLine=-Xmx256m
 * </pre>
 *
 * <p>The set is built straight in the coordinator's blob store (images of {@code image-kib}: a PNG
 * signature and random bytes, as incompressible as real PNGs) and goes through the ordinary
 * declare, commit, review and release. The client reads the ZIP twice over loopback: once counting
 * bytes (the server's throughput), once unpacking it and hashing every image against the manifest.
 * A sampler thread records the JVM's heap every 10 ms. Prints {@code [bench]} lines and writes them
 * to {@code coordinator/target/set-download-benchmark.txt}.
 */
@QuarkusTest
@EnabledIfSystemProperty(named = "synthray.bench", matches = "true")
class SetDownloadBenchmark {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @Inject
    BlobStore store;

    @Inject
    SetIntakeService intake;

    @Inject
    SetReviewService review;

    private final List<String> lines = new ArrayList<>();

    private void report(String format, Object... args) {
        String line = "[bench] " + String.format(Locale.ROOT, format, args);
        System.out.println(line);
        lines.add(line);
    }

    @Test
    void downloadALargeSet() throws Exception {
        long setBytes = Long.getLong("synthray.bench.set-mib", 1024) << 20;
        int imageBytes = Integer.getInteger("synthray.bench.image-kib", 4096) << 10;
        int images = (int) (setBytes / imageBytes);
        String site = "bench-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        String model = org.synthray.blob.Sha256.of("bench model".getBytes(StandardCharsets.UTF_8));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        String storeName = io.quarkus.arc.ClientProxy.unwrap(store).getClass().getSimpleName();
        report("JVM max heap %d MiB, %d CPUs, blob store %s", Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors(), storeName);

        long t0 = System.nanoTime();
        Manifest.Writer writer = new Manifest.Writer();
        Random random = new Random(42);
        byte[] buf = new byte[imageBytes];
        for (int i = 0; i < images; i++) {
            random.nextBytes(buf);
            System.arraycopy(PNG, 0, buf, 0, PNG.length);
            BlobRef ref = store.write(out -> out.write(buf));
            writer.append(new ManifestEntry(i, String.format("images/%06d.png", i), ref.sha256(), ref.size(), null, null, 0,
                    "Benchmark prompt " + (i % 4), i, "ddim", 20, 3.0, model,
                    new ManifestEntry.GuardVerdict(true, 0.1, 0.5, 0.2, 0.9)));
        }
        Manifest manifest = writer.build();
        Map<String, Object> setJson = new LinkedHashMap<>();
        setJson.put("format", SetDescription.FORMAT);
        setJson.put("site", site);
        setJson.put("model", model);
        setJson.put("prompts", List.of("Benchmark prompt 0", "Benchmark prompt 1", "Benchmark prompt 2", "Benchmark prompt 3"));
        setJson.put("count", images);
        setJson.put("rejected", 0);
        setJson.put("manifestHead", manifest.head());
        SetIntakeService.Declared d = intake.begin(site, CanonicalJson.write(setJson), writer.text(), SetDescription.files(manifest));
        intake.commit(site, d.setId());
        review.review(d.setId(), "admin:bench", null);
        review.release(d.setId(), "admin:bench", "benchmark", null, null);
        report("set %s: %d images of %d KiB = %.0f MiB, stored and released in %.1f s", d.setId(), images, imageBytes >> 10,
                images * (double) imageBytes / (1 << 20), (System.nanoTime() - t0) / 1e9);

        // The JDK client's default: it asks for HTTP/2 (h2c upgrade); the coordinator answers in HTTP/1.1.
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + httpPort + "/api/released-sets/" + d.setId() + "/download?format=png");

        // Pass 1: bytes only.
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong();
        AtomicLong peakDirect = new AtomicLong();
        Thread sampler = sampler(memory, peak, peakDirect);
        long t1 = System.nanoTime();
        long zipBytes;
        try (InputStream in = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
            zipBytes = in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        double seconds = (System.nanoTime() - t1) / 1e9;
        sampler.interrupt();
        sampler.join();
        report("download: %.0f MiB ZIP in %.2f s = %.0f MB/s (%.0f MiB/s)", zipBytes / 1048576.0, seconds,
                zipBytes / 1e6 / seconds, zipBytes / 1048576.0 / seconds);
        report("heap: %.0f MiB used before (after GC), peak %.0f MiB sampled during the download; direct buffers peak %.0f MiB "
                + "(client and server share the JVM)", baseline / 1048576.0, peak.get() / 1048576.0, peakDirect.get() / 1048576.0);

        // Pass 2: unpack and verify every image.
        long t2 = System.nanoTime();
        int checked = 0;
        Map<String, String> expected = new LinkedHashMap<>();
        manifest.entries().forEach(e -> expected.put(d.setId() + "/" + e.file(), e.sha256()));
        try (InputStream in = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream()).body();
             ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            byte[] b = new byte[1 << 16];
            while ((e = zip.getNextEntry()) != null) {
                String want = expected.get(e.getName());
                if (want == null) {
                    continue;
                }
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                int n;
                while ((n = zip.read(b)) > 0) {
                    sha.update(b, 0, n);
                }
                assertEquals(want, HexFormat.of().formatHex(sha.digest()), e.getName());
                checked++;
            }
        }
        assertEquals(images, checked);
        double s2 = (System.nanoTime() - t2) / 1e9;
        report("download + unzip + SHA-256 of every image: %.2f s = %.0f MB/s; %d of %d images verified", s2,
                zipBytes / 1e6 / s2, checked, images);
        Files.write(Path.of("target/set-download-benchmark" + (storeName.startsWith("S3") ? "-s3" : "") + ".txt"), lines);
        for (ManifestEntry e : manifest.entries()) {
            store.delete(e.sha256());
        }
    }

    private static Thread sampler(MemoryMXBean memory, AtomicLong peak, AtomicLong peakDirect) {
        java.lang.management.BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(
                java.lang.management.BufferPoolMXBean.class).stream().filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                peakDirect.accumulateAndGet(direct.getMemoryUsed(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
