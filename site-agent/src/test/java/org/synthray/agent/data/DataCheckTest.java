package org.synthray.agent.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;
import org.synthray.agent.cli.SiteAgentCli;
import org.synthray.agent.dicom.TestRadiographs;
import picocli.CommandLine;

/** A site folder mixing PNG, JPEG and DICOM radiographs (made here from real NIH images) with bad rows. */
class DataCheckTest {
    static final String[] NIH = {"00000001_000.png", "00000001_001.png", "00000002_000.png", "00000003_000.png"};

    static float[] grey(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        float[] g = new float[img.getWidth() * img.getHeight()];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                g[y * img.getWidth() + x] = img.getRaster().getSample(x, y, 0) / 255f;
            }
        }
        return g;
    }

    /** Builds the folder; returns it. */
    static Path siteFolder(Path dir, boolean jsonl) throws IOException {
        Path img = Files.createDirectories(dir.resolve("images"));
        Path nih = TestData.nih().resolve("images");
        Files.copy(nih.resolve(NIH[0]), img.resolve("a.png"));
        // JPEG of a real image.
        BufferedImage b = ImageIO.read(nih.resolve(NIH[1]).toFile());
        ImageIO.write(b, "jpeg", img.resolve("b.jpg").toFile());
        // DX DICOM, MONOCHROME1 with rescale and window, and a CT, both from real images.
        float[] g2 = grey(nih.resolve(NIH[2]));
        TestRadiographs.write(img.resolve("c.dcm"), "DX", g2, 64, 64, true);
        // Named by UID, without a suffix, as archives do.
        TestRadiographs.write(img.resolve("1.2.3.4"), "CR", grey(nih.resolve(NIH[3])), 64, 64, false);
        TestRadiographs.write(img.resolve("ct.dcm"), "CT", g2, 64, 64, false);
        // Damaged files.
        byte[] png = Files.readAllBytes(nih.resolve(NIH[3]));
        Files.write(img.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
        byte[] jpg = Files.readAllBytes(img.resolve("b.jpg"));
        Files.write(img.resolve("truncated.jpg"), Arrays.copyOf(jpg, jpg.length * 2 / 3));
        byte[] dcm = Files.readAllBytes(img.resolve("c.dcm"));
        Files.write(img.resolve("truncated.dcm"), Arrays.copyOf(dcm, dcm.length - 3000));
        Files.write(img.resolve("empty.png"), new byte[0]);
        Files.copy(nih.resolve(NIH[0]), img.resolve("unlisted.png"));
        Files.copy(nih.resolve(NIH[0]), img.resolve("noreport.png"));

        String[][] rows = {
            {"a.png", "PA chest x-ray: no finding", "No Finding", "train", "p1"},
            {"b.jpg", "PA chest x-ray: cardiomegaly", "Cardiomegaly", "train", "p2"},
            {"c.dcm", "AP chest x-ray: effusion", "Effusion", "val", "p3"},
            {"1.2.3.4", "PA chest x-ray: atelectasis", "Atelectasis", "train", "p4"},
            {"ct.dcm", "CT chest", "", "train", "p5"},
            {"truncated.png", "PA chest x-ray", "", "train", "p6"},
            {"truncated.jpg", "PA chest x-ray", "", "train", "p6"},
            {"truncated.dcm", "PA chest x-ray", "", "train", "p7"},
            {"empty.png", "PA chest x-ray", "", "train", "p8"},
            {"missing.png", "PA chest x-ray", "", "train", "p9"},
            {"noreport.png", "", "", "train", "p10"},
        };
        if (jsonl) {
            StringBuilder sb = new StringBuilder();
            for (String[] r : rows) {
                sb.append(String.format("{\"image\":\"%s\",\"report\":\"%s\",\"labels\":[%s],\"split\":\"%s\","
                        + "\"patient_id\":\"%s\",\"scanner\":\"X1\"}%n", r[0], r[1],
                        r[2].isEmpty() ? "" : "\"" + r[2] + "\"", r[3], r[4]));
            }
            sb.append("{\"image\": \"broken line\"\n");
            Files.writeString(dir.resolve("metadata.jsonl"), sb.toString());
        } else {
            StringBuilder sb = new StringBuilder("image,report,findings,split,patient_id,scanner\n");
            for (String[] r : rows) {
                sb.append(String.join(",", r)).append(",X1\n");
            }
            Files.writeString(dir.resolve("metadata.csv"), sb.toString());
        }
        return dir;
    }

    static Map<String, String> reasons(ImageTextDataset ds) {
        Map<String, String> m = new HashMap<>();
        ds.skipped().forEach(s -> m.put(s.image(), s.reason()));
        return m;
    }

    @Test
    void loadsPngJpegAndDicomAndSaysWhyOthersAreSkipped(@TempDir Path dir) throws Exception {
        siteFolder(dir, false);
        ImageTextDataset ds = ImageTextDataset.load(dir, "all", 64, null);
        assertEquals(List.of("a.png", "b.jpg", "c.dcm", "1.2.3.4"), List.of(ds.id(0), ds.id(1), ds.id(2), ds.id(3)));
        assertEquals(4, ds.size());
        Map<String, String> why = reasons(ds);
        assertTrue(why.get("ct.dcm").contains("modality CT") && why.get("ct.dcm").contains("not a radiograph"), why.get("ct.dcm"));
        assertTrue(why.get("truncated.png").contains("truncated"), why.get("truncated.png"));
        assertTrue(why.get("truncated.jpg").contains("damaged"), why.get("truncated.jpg"));
        assertTrue(why.get("truncated.dcm").contains("truncated file"), why.get("truncated.dcm"));
        assertTrue(why.get("empty.png").contains("empty file"), why.get("empty.png"));
        assertTrue(why.get("missing.png").contains("not found"), why.get("missing.png"));
        assertEquals("empty caption", why.get("noreport.png"));

        // The DICOM radiographs (rescaled, windowed, one MONOCHROME1) give the pixels of the PNGs they came from.
        ImagePreprocessor pre = new ImagePreprocessor(64);
        float[] fromPng = pre.load(TestData.nih().resolve("images").resolve(NIH[2]));
        float[] fromDicom = ds.image(2);
        float[] fromCr = ds.image(3);
        float[] fromPng3 = pre.load(TestData.nih().resolve("images").resolve(NIH[3]));
        double maxDiff = 0;
        for (int i = 0; i < fromPng.length; i++) {
            maxDiff = Math.max(maxDiff, Math.max(Math.abs(fromPng[i] - fromDicom[i]), Math.abs(fromPng3[i] - fromCr[i])));
        }
        assertTrue(maxDiff < 2.0 / 255, "DICOM and PNG pixels differ by " + maxDiff);
        // The JPEG is close to its PNG (lossy).
        float[] jpgRef = pre.load(TestData.nih().resolve("images").resolve(NIH[1]));
        double mean = 0;
        for (int i = 0; i < jpgRef.length; i++) {
            mean += Math.abs(jpgRef[i] - ds.image(1)[i]);
        }
        assertTrue(mean / jpgRef.length < 0.05, "JPEG mean difference " + mean / jpgRef.length);
    }

    @Test
    void jsonLinesWithLabelArraysAndABrokenLine(@TempDir Path dir) throws Exception {
        siteFolder(dir, true);
        ImageTextDataset ds = ImageTextDataset.load(dir, "train", 64, null);
        assertEquals(List.of("a.png", "b.jpg", "1.2.3.4"), List.of(ds.id(0), ds.id(1), ds.id(2)));
        assertEquals(List.of("Cardiomegaly"), ds.labels(1));
        assertEquals("PA chest x-ray: no finding", ds.text(0));
        assertTrue(reasons(ds).get("metadata.jsonl line 12").contains("not valid JSON"), reasons(ds).toString());
    }

    static String[] check(String... args) {
        CommandLine cl = SiteAgentCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void dataCheckPrintsCountsSkipsAndUnusedColumns(@TempDir Path dir) throws Exception {
        siteFolder(dir, false);
        String[] r = check("data", "check", "--data", dir.toString());
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        assertTrue(out.contains("metadata.csv: 11 rows"), out);
        assertTrue(out.contains("columns not used: scanner"), out);
        assertTrue(out.contains("usable images: 4 (train 3, val 1); formats: DICOM 2, JPEG 1, PNG 1; patients: 4"), out);
        assertTrue(out.contains("skipped: 7"), out);
        assertTrue(out.contains("ct.dcm: modality CT"), out);
        assertTrue(out.contains("noreport.png: empty caption"), out);
        assertTrue(out.contains("truncated.dcm: truncated file"), out);
        assertTrue(out.contains("image files not listed in metadata.csv (not used): 1 (unlisted.png)"), out);

        // The real NIH folder: everything usable.
        r = check("data", "check", "--data", TestData.nih().toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("skipped: 0") && r[1].contains("formats: PNG "), r[1]);
    }

    @Test
    void emptyOrUndescribedFoldersGetAClearMessage(@TempDir Path dir) throws Exception {
        String[] r = check("data", "check", "--data", dir.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].startsWith("error: no metadata.csv or metadata.jsonl") && r[2].contains("the folder is empty"), r[2]);
        Files.copy(TestData.nih().resolve("images").resolve(NIH[0]), dir.resolve("x.png"));
        r = check("data", "check", "--data", dir.toString());
        assertTrue(r[2].contains("1 image files, but nothing pairs them with a report"), r[2]);
        Files.writeString(dir.resolve("list.csv"), "image,scanner\nx.png,X1\n");
        r = check("data", "check", "--data", dir.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("expected columns 'image'") && r[2].contains("[image, scanner]"), r[2]);
        Files.writeString(dir.resolve("list.csv"), "image,report\nmissing.png,PA chest x-ray\n");
        r = check("data", "check", "--data", dir.toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("missing.png: file not found") && r[2].contains("error: no usable images"), r[1] + r[2]);
        assertThrows(IOException.class, () -> ImageTextDataset.load(dir, "all", 64, null));
    }
}
