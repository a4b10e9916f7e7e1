package org.synthray.agent.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;

class ImageTextDatasetTest {
    @Test
    void loadsNihSplitsWithCaptionsAndFindings(@TempDir Path cache) throws Exception {
        ImageTextDataset train = ImageTextDataset.load(TestData.nih(), "train", 32, new DatasetCache(cache));
        ImageTextDataset val = ImageTextDataset.load(TestData.nih(), "val", 32, new DatasetCache(cache));
        assertEquals(670, train.size());
        assertEquals(208, val.size());
        assertTrue(train.text(0).startsWith("PA chest x-ray"));
        assertEquals(java.util.List.of("Cardiomegaly"), train.labels(0));
        // Second load comes from the cache and is the same data.
        ImageTextDataset again = ImageTextDataset.load(TestData.nih(), "val", 32, new DatasetCache(cache));
        assertTrue(Files.list(cache).anyMatch(p -> p.toString().endsWith(".npz")));
        assertEquals(val.texts(), again.texts());
        float[] a = val.pixels();
        float[] b = again.pixels();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1.0 / 255 + 1e-6, "cache stores 8-bit pixels");
        }
    }

    @Test
    void hannoverGetsCaptionsBuiltFromItsFieldsAndAPatientSplit() throws Exception {
        ImageTextDataset all = ImageTextDataset.load(TestData.hannover(), "all", 16, null);
        assertEquals(243, all.size());
        assertTrue(all.texts().stream().allMatch(t -> t.contains("chest radiograph") && t.contains("COVID-19")),
                all.text(0));
        assertTrue(all.texts().stream().anyMatch(t -> t.contains("ICU patient")));
        int train = ImageTextDataset.load(TestData.hannover(), "train", 16, null).size();
        int val = ImageTextDataset.load(TestData.hannover(), "val", 16, null).size();
        assertEquals(243, train + val);
        assertTrue(val > 10 && train > val);
    }

    @Test
    void badRowsAreSkippedWithReasons(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        BufferedImage ok = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        ImageIO.write(ok, "png", images.resolve("ok.png").toFile());
        ImageIO.write(ok, "png", images.resolve("nocap.png").toFile());
        Files.writeString(images.resolve("broken.png"), "garbage");
        Files.write(images.resolve("truncated.png"), java.util.Arrays.copyOf(
                Files.readAllBytes(images.resolve("ok.png")), 30));
        Files.writeString(dir.resolve("metadata.csv"), "image,caption,split\n"
                + "ok.png,\"a chest, with a comma\",train\n"
                + "nocap.png,,train\n"
                + "broken.png,text,train\n"
                + "truncated.png,text,train\n"
                + "missing.png,text,train\n");
        ImageTextDataset ds = ImageTextDataset.load(dir, "train", 16, new DatasetCache(dir.resolve("cache")));
        assertEquals(1, ds.size());
        assertEquals("a chest, with a comma", ds.text(0));
        var reasons = ds.skipped().stream().collect(Collectors.toMap(ImageTextDataset.Skip::image,
                ImageTextDataset.Skip::reason));
        assertEquals("empty caption", reasons.get("nocap.png"));
        assertTrue(reasons.get("broken.png").contains("not an image"), reasons.get("broken.png"));
        assertTrue(reasons.containsKey("truncated.png"));
        assertTrue(reasons.get("missing.png").contains("not found"));
        // The skip reasons survive the cache.
        ImageTextDataset cached = ImageTextDataset.load(dir, "train", 16, new DatasetCache(dir.resolve("cache")));
        assertEquals(ds.skipped(), cached.skipped());
        assertArrayEquals(new String[] {"ok.png"}, new String[] {cached.id(0)});
    }

    @Test
    void clearErrorsForMissingCsvOrEmptySplit(@TempDir Path dir) throws Exception {
        var e = assertThrows(java.io.IOException.class, () -> ImageTextDataset.load(dir, "train", 16, null));
        assertTrue(e.getMessage().contains("no metadata.csv"), e.getMessage());
        e = assertThrows(java.io.IOException.class, () -> ImageTextDataset.load(TestData.nih(), "test", 16, null));
        assertTrue(e.getMessage().contains("no rows in split 'test'"), e.getMessage());
        Files.writeString(dir.resolve("metadata.csv"), "foo,bar\n1,2\n");
        e = assertThrows(java.io.IOException.class, () -> ImageTextDataset.load(dir, "train", 16, null));
        assertTrue(e.getMessage().contains("expected columns"), e.getMessage());
    }
}
