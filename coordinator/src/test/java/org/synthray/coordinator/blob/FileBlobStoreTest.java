package org.synthray.coordinator.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.flower.BlobRefs;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.Scalars;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/** The filesystem blob store without gRPC: verification, atomic visibility, staging, restarts. */
class FileBlobStoreTest {
    @TempDir
    Path root;

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static BlobRef refOf(byte[] b) {
        return new BlobRef(Sha256.of(b), b.length);
    }

    @Test
    void putVerifiesDeduplicatesAndFansOutByPrefix() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        byte[] b = bytes(100_000, 1);
        BlobRef ref = refOf(b);
        assertEquals(ref, store.put(ref, new ByteArrayInputStream(b)));
        Path file = root.resolve("objects").resolve(ref.sha256().substring(0, 2)).resolve(ref.sha256());
        assertTrue(Files.isRegularFile(file));
        assertEquals(file, store.localFile(ref.sha256()).orElseThrow());
        assertEquals(b.length, store.size(ref.sha256()).getAsLong());

        // Second put: nothing read, nothing written.
        InputStream untouched = new ByteArrayInputStream(b);
        store.put(ref, untouched);
        assertEquals(b.length, untouched.available());
        assertEquals(ref, store.write(out -> out.write(b)));
        try (Stream<Path> all = Files.walk(root.resolve("objects"))) {
            assertEquals(1, all.filter(Files::isRegularFile).count());
        }

        try (InputStream in = store.open(ref.sha256(), 99_000)) {
            assertArrayEquals(java.util.Arrays.copyOfRange(b, 99_000, b.length), in.readAllBytes());
        }
        assertTrue(store.delete(ref.sha256()));
        assertFalse(store.exists(ref.sha256()));
        assertThrows(BlobStore.NoSuchBlobException.class, () -> store.open(ref.sha256(), 0));
    }

    @Test
    void bytesThatDoNotMatchTheirNameNeverBecomeVisible() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        byte[] b = bytes(5000, 2);
        BlobRef claimed = new BlobRef(Sha256.of(bytes(5000, 3)), 5000);
        BlobIntegrityException e = assertThrows(BlobIntegrityException.class,
                () -> store.put(claimed, new ByteArrayInputStream(b)));
        assertEquals(refOf(b), e.actual());
        assertFalse(store.exists(claimed.sha256()));
        assertFalse(store.exists(refOf(b).sha256()));
        assertThrows(BlobIntegrityException.class, () -> store.put(new BlobRef(refOf(b).sha256(), 4999),
                new ByteArrayInputStream(b)));
        try (Stream<Path> tmp = Files.list(root.resolve("tmp")); Stream<Path> objects = Files.walk(root.resolve("objects"))) {
            assertEquals(0, tmp.count());
            assertEquals(0, objects.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void stagedUploadSurvivesARestartAndResumes() throws IOException {
        byte[] b = bytes(1 << 20, 4);
        BlobRef ref = refOf(b);
        FileBlobStore first = new FileBlobStore(root);
        BlobStore.Upload u = first.beginUpload(ref).orElseThrow();
        u.write(ByteBuffer.wrap(b, 0, 300_000));
        assertEquals(300_000, u.confirmedOffset());
        u.close();
        assertFalse(first.exists(ref.sha256()), "partial uploads are not blobs");
        assertEquals(new BlobStore.Staged(ref, 300_000), first.staged(ref.sha256()).orElseThrow());

        FileBlobStore restarted = new FileBlobStore(root); // a new process: digest state rebuilt from the file
        BlobStore.Upload again = restarted.beginUpload(ref).orElseThrow();
        assertEquals(300_000, again.offset());
        again.write(ByteBuffer.wrap(b, 300_000, b.length - 300_000));
        assertEquals(ref, again.complete());
        assertTrue(restarted.exists(ref.sha256()));
        assertTrue(restarted.staged(ref.sha256()).isEmpty());
        try (InputStream in = restarted.open(ref.sha256(), 0)) {
            assertArrayEquals(b, in.readAllBytes());
        }
        assertTrue(restarted.beginUpload(ref).isEmpty(), "already stored: nothing to upload");
    }

    @Test
    void oneUploadPerBlobAtATime() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        byte[] b = bytes(1000, 5);
        BlobRef ref = refOf(b);
        BlobStore.Upload u = store.beginUpload(ref).orElseThrow();
        assertThrows(BlobStore.UploadInProgressException.class, () -> store.beginUpload(ref));
        u.write(ByteBuffer.wrap(b));
        u.complete();
        assertTrue(store.beginUpload(ref).isEmpty());
    }

    @Test
    void mismatchOnCompletionDiscardsTheStagedBytes() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        byte[] b = bytes(1000, 6);
        BlobRef claimed = new BlobRef(Sha256.of(bytes(1000, 7)), 1000);
        BlobStore.Upload u = store.beginUpload(claimed).orElseThrow();
        u.write(ByteBuffer.wrap(b));
        assertThrows(IllegalArgumentException.class, () -> u.write(ByteBuffer.allocate(1)));
        assertThrows(BlobIntegrityException.class, u::complete);
        assertTrue(store.staged(claimed.sha256()).isEmpty());
        assertFalse(store.exists(claimed.sha256()));
        BlobStore.Upload retry = store.beginUpload(claimed).orElseThrow();
        assertEquals(0, retry.offset());
        retry.discard();
    }

    @Test
    void anotherDeclaredSizeReplacesStagedBytesAndOldStagingIsPurged() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        byte[] b = bytes(1000, 8);
        BlobRef ref = refOf(b);
        BlobStore.Upload wrongSize = store.beginUpload(new BlobRef(ref.sha256(), 2000)).orElseThrow();
        wrongSize.write(ByteBuffer.wrap(b, 0, 500));
        wrongSize.close();
        BlobStore.Upload u = store.beginUpload(ref).orElseThrow();
        assertEquals(0, u.offset());
        u.write(ByteBuffer.wrap(b, 0, 10));
        u.close();
        assertEquals(0, store.purgeStaging(Duration.ofHours(1)));
        assertEquals(1, store.purgeStaging(Duration.ofSeconds(-1)));
        assertTrue(store.staged(ref.sha256()).isEmpty());
    }

    @Test
    void namesThatAreNotHashesNeverReachThePath() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        for (String bad : List.of("../../../etc/passwd", "..", "/etc/passwd", "AB" + "0".repeat(62), "0".repeat(63),
                "0".repeat(64) + "/../x", "")) {
            assertThrows(IllegalArgumentException.class, () -> store.exists(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.open(bad, 0), bad);
            assertThrows(IllegalArgumentException.class, () -> store.delete(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.staged(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.localFile(bad), bad);
        }
    }

    @Test
    void modelBlobsUseTensorsBelowTheThresholdAndABlobAbove() throws IOException {
        FileBlobStore store = new FileBlobStore(root);
        Weights small = Weights.of(Tensor.ofFloats("w", new int[] {4}, 1, 2, 3, 4));
        float[] v = new float[100_000];
        java.util.Arrays.fill(v, 0.25f);
        Weights large = Weights.of(Tensor.ofFloats("w", new int[] {1000, 100}, v), Tensor.ofFloats("b", new int[] {1}, 9));
        ModelBlobs blobs = new ModelBlobs(store, 64 * 1024);
        Map<String, org.synthray.flower.proto.Scalar> config = Scalars.map(Map.of("server_round", 1L));

        ModelBlobs.Encoded e = blobs.encode(small, config);
        assertFalse(BlobRefs.isReference(e.parameters()));
        assertEquals(FlowerTensors.toParameters(small), e.parameters());
        assertEquals(config, e.config());
        assertTrue(e.blob().isEmpty());

        ModelBlobs.Encoded big = blobs.encode(large, config);
        assertTrue(BlobRefs.isReference(big.parameters()));
        BlobRef ref = big.blob().orElseThrow();
        assertEquals(ref, BlobRefs.find(big.parameters(), big.config()).orElseThrow());
        assertEquals(1L, big.config().get("server_round").getSint64());
        assertTrue(store.exists(ref.sha256()));
        assertEquals(ref, blobs.publish(large), "same weights, same blob");

        Weights back = blobs.decode(big.parameters(), big.config(), List.of("w", "b"));
        assertTrue(back.contentEquals(large));
        assertTrue(back.get(0).data().isDirect());
        assertTrue(blobs.decode(e.parameters(), e.config(), List.of("w")).contentEquals(small));

        // A reply pointing at a blob that never arrived is refused with the reason.
        BlobRef missing = new BlobRef(Sha256.of(new byte[] {1}), 1);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> blobs.decode(
                BlobRefs.referenceParameters(), BlobRefs.withRef(Map.of(), missing), null));
        assertTrue(ex.getMessage().contains("never uploaded"), ex.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> blobs.decode(
                BlobRefs.referenceParameters(), BlobRefs.withRef(Map.of(), new BlobRef(ref.sha256(), 5)), null));
        assertTrue(size.getMessage().contains("holds"), size.getMessage());
    }
}
