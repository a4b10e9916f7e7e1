package org.synthray.agent.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;
import org.synthray.blob.Sha256;
import org.synthray.json.CanonicalJson;
import org.synthray.manifest.ManifestEntry;

/**
 * What {@code publish} lets leave the site: the verified, listed contents of {@code upload/} and
 * nothing else. Every refusal here happens before a connection is made.
 */
class SetPublisherTest {

    @TempDir
    Path dir;

    private static String refused(Path set) {
        return assertThrows(SetPublisher.RefusedException.class, () -> SetPublisher.prepare(set)).getMessage();
    }

    @Test
    void aCompleteSetPreparesWithOnlyItsListedUploadFiles() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 4, true);
        SetPublisher.PreparedSet p = SetPublisher.prepare(b.dir());
        assertEquals(8, p.files().size(), "4 PNG + 4 DICOM");
        assertEquals(b.manifest().head(), p.manifest().head());
        for (Path file : p.paths().values()) {
            assertTrue(file.startsWith(b.upload()), file + " is outside upload/");
        }
        assertTrue(p.paths().values().stream().noneMatch(f -> f.toString().contains("local")));
    }

    @Test
    void aRealTrainingImageCopiedIntoTheSetIsRefused() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 2, false);
        Path raw = TestData.nih().resolve("images/00000001_000.png");
        Files.copy(raw, b.upload().resolve("images/000099.png"));
        assertTrue(refused(b.dir()).contains("upload/images/000099.png is not listed in the manifest"));
    }

    @Test
    void aRealImageSwappedInUnderAListedNameIsRefused() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 2, false);
        Path listed = b.upload().resolve("images/000001.png");
        Path raw = TestData.nih().resolve("images/00000001_000.png");
        Files.copy(raw, listed, StandardCopyOption.REPLACE_EXISTING);
        String m = refused(b.dir());
        assertTrue(m.contains("upload/images/000001.png has") && m.contains("the manifest says"), m);

        // Same size, other bytes: the hash catches it.
        TestSets.Built c = TestSets.build(dir.resolve("set2"), "site-a", 2, false);
        Path f = c.upload().resolve("images/000000.png");
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length / 2] ^= 1;
        Files.write(f, bytes);
        assertTrue(refused(c.dir()).contains("does not match its manifest hash"));
    }

    @Test
    void linksOutOfTheFolderAreNotFollowed() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 2, false);
        Path listed = b.upload().resolve("images/000000.png");
        Path elsewhere = dir.resolve("outside.png");
        Files.move(listed, elsewhere);
        Files.createSymbolicLink(listed, elsewhere);
        assertTrue(refused(b.dir()).contains("is not a regular file"));
    }

    @Test
    void incompleteOrForeignFoldersAreRefused() throws Exception {
        assertTrue(refused(TestData.nih()).contains("is not a synthetic set folder"));

        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 2, false);
        Files.delete(b.upload().resolve("set.json"));
        assertTrue(refused(b.dir()).contains("no set.json: the set is not complete"));

        TestSets.Built c = TestSets.build(dir.resolve("set2"), "site-a", 2, false);
        Files.writeString(c.upload().resolve("notes.txt"), "patient list");
        assertTrue(refused(c.dir()).contains("upload/notes.txt is not part of a synthetic set"));

        TestSets.Built d = TestSets.build(dir.resolve("set3"), "site-a", 2, false, 32, e -> e, j -> {
            j.put("count", 3);
            return j;
        });
        assertTrue(refused(d.dir()).contains("set.json count 3 but the manifest lists 2 images"));
    }

    @Test
    void aManifestWithAGuardRejectedImageOrABrokenChainIsRefused() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 2, false);
        // Re-chain the manifest with the second image marked rejected: the chain verifies, the verdict does not.
        List<ManifestEntry> entries = List.of(b.entries().get(0), withGuard(b.entries().get(1), false));
        Files.writeString(b.upload().resolve("manifest.jsonl"), TestSets.chain(entries));
        assertTrue(refused(b.dir()).contains("was rejected by the guard"), refused(b.dir()));

        TestSets.Built c = TestSets.build(dir.resolve("set2"), "site-a", 2, false);
        Path m = c.upload().resolve("manifest.jsonl");
        Files.writeString(m, Files.readString(m).replace("Small left", "Large left"));
        assertTrue(refused(c.dir()).contains("manifest line 1: hash does not match"));
    }

    @Test
    void duplicateImagesAreRefused() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 2, false);
        Files.copy(b.upload().resolve("images/000000.png"), b.upload().resolve("images/000001.png"),
                StandardCopyOption.REPLACE_EXISTING);
        ManifestEntry first = b.entries().get(0);
        ManifestEntry second = b.entries().get(1);
        ManifestEntry twin = new ManifestEntry(1, second.file(), first.sha256(), first.size(), null, null, 0,
                second.prompt(), second.seed(), "ddim", 20, 3.0, second.model(), second.guard());
        String text = TestSets.chain(List.of(first, twin));
        Files.writeString(b.upload().resolve("manifest.jsonl"), text);
        rewriteHead(b, text);
        assertTrue(refused(b.dir()).contains("duplicate image: images/000001.png has the same content as images/000000.png"));
    }

    static ManifestEntry withGuard(ManifestEntry e, boolean accepted) {
        return new ManifestEntry(e.seq(), e.file(), e.sha256(), e.size(), e.dicom(), e.dicomSha256(), e.dicomSize(),
                e.prompt(), e.seed(), e.sampler(), e.steps(), e.guidance(), e.model(),
                new ManifestEntry.GuardVerdict(accepted, 0.9, 0.5, 0.95, 0.9));
    }

    static String headOf(String manifestText) {
        String[] lines = manifestText.strip().split("\n");
        return CanonicalJson.parse(lines[lines.length - 1]).get("hash").asText();
    }

    static void rewriteHead(TestSets.Built b, String manifestText) throws Exception {
        Path set = b.upload().resolve("set.json");
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) CanonicalJson.parse(Files.readString(set));
        node.put("manifestHead", headOf(manifestText));
        Files.writeString(set, CanonicalJson.write(node), StandardCharsets.UTF_8);
    }

    @Test
    void hashesAreOfTheFilesThemselves() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-a", 1, true);
        ManifestEntry e = b.entries().get(0);
        assertEquals(e.sha256(), Sha256.of(b.upload().resolve(e.file())).sha256());
        assertEquals(e.dicomSha256(), Sha256.of(b.upload().resolve(e.dicom())).sha256());
    }
}
