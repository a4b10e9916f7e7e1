package org.synthray.coordinator.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.coordinator.testing.S3ProxyServer;

/**
 * {@link S3BlobStore} against a real S3 server (s3proxy on a filesystem, started here): the same
 * contract as the filesystem store — verified before visible, deduplicated, resumable across a
 * restart of the coordinator — with parts of S3's minimum size, so blobs of a few MiB span parts.
 */
class S3BlobStoreTest {
    static final int PART = S3BlobStore.MIN_PART_BYTES;
    static Path dir;
    static S3ProxyServer server;
    static S3BlobStore store;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("s3-blob-store-test");
        server = S3ProxyServer.start(dir.resolve("s3"));
        store = newStore();
    }

    static S3BlobStore newStore() {
        return new S3BlobStore(new S3BlobStore.Settings(Optional.of(server.endpoint()), "synthray-test", "us-east-1",
                Optional.of(S3ProxyServer.ACCESS_KEY), Optional.of(S3ProxyServer.SECRET_KEY), true, "blobs/", PART, true));
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static BlobRef ref(byte[] b) {
        return new BlobRef(Sha256.of(b), b.length);
    }

    static byte[] read(String sha, long offset) throws Exception {
        try (InputStream in = store.open(sha, offset)) {
            return in.readAllBytes();
        }
    }

    /** Keys under the bucket's folder on the server's disk (s3proxy's filesystem layout). */
    static long keysUnder(String prefix) throws Exception {
        Path root = dir.resolve("s3").resolve("synthray-test").resolve(prefix);
        if (!Files.exists(root)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void putSpanningPartsReadsBackFromAnyOffsetAndIsStoredOnce() throws Exception {
        byte[] b = random(2 * PART + 12345, 1);
        BlobRef r = ref(b);
        assertFalse(store.exists(r.sha256()));
        assertEquals(r, store.put(r, new ByteArrayInputStream(b)));
        assertTrue(store.exists(r.sha256()));
        assertEquals(b.length, store.size(r.sha256()).getAsLong());
        assertArrayEquals(b, read(r.sha256(), 0));
        assertArrayEquals(Arrays.copyOfRange(b, PART + 7, b.length), read(r.sha256(), PART + 7));
        assertEquals(0, read(r.sha256(), b.length).length);
        assertThrows(IllegalArgumentException.class, () -> store.open(r.sha256(), b.length + 1));

        // Deduplicated: a second put does not even read its stream.
        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("a stored blob must not be read again");
            }
        };
        assertEquals(r, store.put(r, untouchable));
        assertEquals(0, keysUnder("blobs/tmp"), "no one-shot parts left behind");
        assertTrue(store.delete(r.sha256()));
        assertFalse(store.exists(r.sha256()));
        assertFalse(store.delete(r.sha256()));
    }

    @Test
    void writeHashesWhileWritingAndEmptyBlobsWork() throws Exception {
        byte[] b = random(PART + 99, 2);
        BlobRef r = store.write(out -> {
            out.write(b, 0, 10);
            out.write(b, 10, b.length - 10);
        });
        assertEquals(ref(b), r);
        assertArrayEquals(b, read(r.sha256(), 0));

        BlobRef empty = store.write(out -> { });
        assertEquals(ref(new byte[0]), empty);
        assertEquals(0, store.size(empty.sha256()).getAsLong());
        assertEquals(0, read(empty.sha256(), 0).length);
    }

    @Test
    void wrongBytesAreRefusedAndNothingBecomesVisible() throws Exception {
        byte[] b = random(PART + 5, 3);
        BlobRef claimed = new BlobRef(Sha256.of(random(10, 4)), b.length);
        BlobIntegrityException e = assertThrows(BlobIntegrityException.class,
                () -> store.put(claimed, new ByteArrayInputStream(b)));
        assertEquals(ref(b), e.actual());
        assertFalse(store.exists(claimed.sha256()));
        assertFalse(store.exists(ref(b).sha256()), "the actual hash is not stored either");
        assertEquals(0, keysUnder("blobs/tmp"));
        assertThrows(BlobStore.NoSuchBlobException.class, () -> store.open(claimed.sha256(), 0));
        assertThrows(IllegalArgumentException.class, () -> store.exists("../../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> store.open("ABC", 0));
    }

    @Test
    void uploadResumesAfterARestartFromTheLastStoredPart() throws Exception {
        byte[] b = random(2 * PART + 777, 5);
        BlobRef r = ref(b);
        BlobStore.Upload u = store.beginUpload(r).orElseThrow();
        assertEquals(0, u.offset());
        u.write(ByteBuffer.wrap(b, 0, PART + 1000));
        assertEquals(PART + 1000, u.offset());
        assertEquals(PART, u.confirmedOffset(), "one part stored, the rest buffered");
        assertThrows(BlobStore.UploadInProgressException.class, () -> store.beginUpload(r));
        assertFalse(store.exists(r.sha256()), "an unfinished upload is never visible");
        u.close();
        assertEquals(new BlobStore.Staged(r, PART), store.staged(r.sha256()).orElseThrow());

        // A new store (a restarted coordinator: no digest in memory) continues after the stored part.
        try (S3BlobStore restarted = newStore()) {
            BlobStore.Upload again = restarted.beginUpload(r).orElseThrow();
            assertEquals(PART, again.offset());
            again.write(ByteBuffer.wrap(b, PART, b.length - PART));
            assertThrows(IllegalArgumentException.class, () -> again.write(ByteBuffer.wrap(new byte[1])));
            assertEquals(r, again.complete());
            assertTrue(restarted.beginUpload(r).isEmpty(), "complete: nothing to upload");
        }
        assertArrayEquals(b, read(r.sha256(), 0));
        assertTrue(store.staged(r.sha256()).isEmpty());
        assertEquals(0, keysUnder("blobs/staging"), "staged parts are removed once published");
    }

    @Test
    void resumeInTheSameProcessKeepsTheDigestAndCorruptUploadsAreDiscarded() throws Exception {
        byte[] b = random(PART + 10, 6);
        BlobRef r = ref(b);
        BlobStore.Upload u = store.beginUpload(r).orElseThrow();
        u.write(ByteBuffer.wrap(b, 0, PART));
        u.close();
        BlobStore.Upload v = store.beginUpload(r).orElseThrow();
        assertEquals(PART, v.offset());
        v.write(ByteBuffer.wrap(b, PART, 10));
        assertEquals(r, v.complete());
        assertArrayEquals(b, read(r.sha256(), 0));

        byte[] c = random(PART + 10, 7);
        BlobRef declared = new BlobRef(Sha256.of(random(3, 8)), c.length);
        BlobStore.Upload w = store.beginUpload(declared).orElseThrow();
        w.write(ByteBuffer.wrap(c));
        assertThrows(BlobIntegrityException.class, w::complete);
        assertTrue(store.staged(declared.sha256()).isEmpty(), "corrupt bytes are dropped");
        assertFalse(store.exists(declared.sha256()));
        assertThrows(IllegalStateException.class, () -> store.beginUpload(declared).orElseThrow().complete());
    }

    @Test
    void staleStagedPartsArePurged() throws Exception {
        byte[] b = random(PART + 3, 9);
        BlobRef r = ref(b);
        BlobStore.Upload u = store.beginUpload(r).orElseThrow();
        u.write(ByteBuffer.wrap(b, 0, PART));
        u.close();
        assertTrue(store.staged(r.sha256()).isPresent());
        assertEquals(0, store.purgeStaging(Duration.ofHours(1)), "fresh parts stay");
        assertTrue(store.purgeStaging(Duration.ofSeconds(-5)) >= 1);
        assertTrue(store.staged(r.sha256()).isEmpty());
    }
}
