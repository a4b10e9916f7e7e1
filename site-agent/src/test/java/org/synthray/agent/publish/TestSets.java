package org.synthray.agent.publish;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.synthray.agent.dicom.SecondaryCaptureWriter;
import org.synthray.agent.dicom.SyntheticProvenance;
import org.synthray.blob.Sha256;
import org.synthray.json.CanonicalJson;
import org.synthray.json.HashChain;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;

/**
 * Builds synthetic set folders as {@code synthesize} lays them out, for tests: real PNGs and DICOM
 * Secondary Captures of generated pixels, a hash-chained manifest, and set.json written last, plus a
 * {@code local/} folder with a rejected image that must never travel.
 */
public final class TestSets {
    public static final String MODEL = Sha256.of("test model weights".getBytes(StandardCharsets.UTF_8));
    public static final List<String> PROMPTS = List.of("Small left pleural effusion.", "No acute cardiopulmonary process.");

    private TestSets() {
    }

    /** What was written. */
    public record Built(Path dir, Manifest manifest, List<ManifestEntry> entries, Map<String, Object> setJson) {
        public Path upload() {
            return dir.resolve("upload");
        }
    }

    /** A PNG of {@code side}×{@code side} noise-and-gradient pixels, different for every seed. */
    public static byte[] png(long seed, int side) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Random r = new Random(seed);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                img.getRaster().setSample(x, y, 0, (x * 255 / side + r.nextInt(64)) & 0xff);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] dicom(long seed, int side) {
        float[] px = new float[side * side];
        Random r = new Random(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextFloat();
        }
        return new SecondaryCaptureWriter().encode(px, side, side, SyntheticProvenance.of(MODEL, seed)).bytes();
    }

    public static Built build(Path dir, String site, int images, boolean withDicom) throws IOException {
        return build(dir, site, images, withDicom, 32, e -> e, j -> j);
    }

    /**
     * @param side        image side in pixels (the files' size grows with it)
     * @param editEntry   changes an entry before it is listed (to build bad sets)
     * @param editSetJson changes set.json before it is written
     */
    public static Built build(Path dir, String site, int images, boolean withDicom, int side,
                              UnaryOperator<ManifestEntry> editEntry,
                              UnaryOperator<Map<String, Object>> editSetJson) throws IOException {
        Path upload = Files.createDirectories(dir.resolve("upload"));
        Files.createDirectories(upload.resolve("images"));
        if (withDicom) {
            Files.createDirectories(upload.resolve("dicom"));
        }
        Path local = Files.createDirectories(dir.resolve("local"));
        Files.write(local.resolve("rejected-000.png"), png(-1, side));
        Files.writeString(local.resolve("guard.log"), "rejected 1 image: too close to a training image\n");

        Manifest.Writer writer = new Manifest.Writer();
        List<ManifestEntry> entries = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            long seed = 1000L + i + (long) site.hashCode() * 7919;
            String name = String.format("%06d", i);
            byte[] png = png(seed, side);
            Files.write(upload.resolve("images/" + name + ".png"), png);
            String dicomPath = null;
            String dicomSha = null;
            long dicomSize = 0;
            if (withDicom) {
                byte[] dcm = dicom(seed, side);
                dicomPath = "dicom/" + name + ".dcm";
                Files.write(upload.resolve(dicomPath), dcm);
                dicomSha = Sha256.of(dcm);
                dicomSize = dcm.length;
            }
            ManifestEntry e = new ManifestEntry(i, "images/" + name + ".png", Sha256.of(png), png.length, dicomPath,
                    dicomSha, dicomSize, PROMPTS.get(i % PROMPTS.size()), seed, "ddim", 20, 3.0, MODEL,
                    new ManifestEntry.GuardVerdict(true, 0.1 + i * 0.001, 0.5, 0.2, 0.9));
            e = editEntry.apply(e);
            writer.append(e);
            entries.add(e);
        }
        Files.writeString(upload.resolve("manifest.jsonl"), writer.text());
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("format", "synthray-set/1");
        set.put("site", site);
        set.put("model", MODEL);
        set.put("modelSource", "run-test round 3");
        set.put("prompts", PROMPTS);
        set.put("perPrompt", (images + 1) / 2);
        set.put("count", images);
        set.put("rejected", 1);
        set.put("guard", Map.of("pixelThreshold", 0.5, "embeddingThreshold", 0.9, "referenceImages", 200));
        set.put("sampler", "ddim");
        set.put("steps", 20);
        set.put("guidance", 3.0);
        set.put("manifestHead", writer.head());
        set.put("createdAt", "2026-11-28T12:00:00Z");
        set.put("evaluation", Map.of("fid", 41.5, "images", 100));
        set = editSetJson.apply(set);
        Files.writeString(upload.resolve("set.json"), CanonicalJson.write(set));
        return new Built(dir, writer.build(), entries, set);
    }

    /** A correctly chained manifest of any entries (the Writer would refuse rejected or duplicate ones). */
    public static String chain(List<ManifestEntry> entries) {
        StringBuilder out = new StringBuilder();
        String prev = HashChain.GENESIS;
        for (ManifestEntry e : entries) {
            var node = CanonicalJson.MAPPER.valueToTree(e);
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).put("prev", prev);
            String hash = HashChain.link(prev, CanonicalJson.write(node));
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).put("hash", hash);
            out.append(CanonicalJson.write(node)).append('\n');
            prev = hash;
        }
        return out.toString();
    }

}
