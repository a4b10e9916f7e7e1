package org.synthray.agent.probe;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import javax.imageio.ImageIO;

/**
 * The probe's view of a site's data: for each image of a split, a small grey thumbnail and whether
 * the radiologist labels name any finding. Reads a folder with {@code metadata.csv}
 * ({@code image, split, patient_id, findings} columns) and an {@code images/} folder, like the
 * public NIH ChestX-ray14 sample. Unreadable images are skipped with a log line.
 */
public final class ProbeData {
    private static final Logger LOG = Logger.getLogger(ProbeData.class.getName());
    /** Thumbnails are {@value}×{@value}: enough for a linear probe, cheap to hold. */
    public static final int SIDE = 16;

    /** Features (SIDE² pixels, zero mean, unit variance per image) and label (1 = some finding). */
    public record Example(float[] features, float label) {
    }

    private ProbeData() {
    }

    /**
     * @param shard which part of the patients this site holds: patients are split by
     *              {@code patient_id mod shardCount}, so no patient is in two shards
     */
    public static List<Example> load(Path folder, String split, int shard, int shardCount) throws IOException {
        Path csv = folder.resolve("metadata.csv");
        if (!Files.isRegularFile(csv)) {
            throw new IOException("no metadata.csv in " + folder);
        }
        List<Map<String, String>> rows = Csv.read(csv);
        List<Example> out = new ArrayList<>();
        int skipped = 0;
        for (Map<String, String> row : rows) {
            if (!split.equals(row.get("split"))) {
                continue;
            }
            String patient = row.getOrDefault("patient_id", "");
            if (Math.floorMod(patient.hashCode(), shardCount) != shard) {
                continue;
            }
            Path image = folder.resolve("images").resolve(row.getOrDefault("image", ""));
            float[] f = thumbnail(image);
            if (f == null) {
                skipped++;
                continue;
            }
            String findings = row.getOrDefault("findings", "");
            out.add(new Example(f, findings.isBlank() || findings.equalsIgnoreCase("No Finding") ? 0f : 1f));
        }
        if (skipped > 0) {
            LOG.warning("skipped " + skipped + " unreadable image(s) in " + folder);
        }
        return out;
    }

    static float[] thumbnail(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot read image " + file.getFileName() + ": " + e.getMessage());
            return null;
        }
        if (img == null) {
            LOG.warning("not an image: " + file.getFileName());
            return null;
        }
        BufferedImage small = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, SIDE, SIDE, null);
        g.dispose();
        float[] f = new float[SIDE * SIDE];
        double mean = 0;
        for (int i = 0; i < f.length; i++) {
            f[i] = small.getRaster().getSample(i % SIDE, i / SIDE, 0) / 255f;
            mean += f[i];
        }
        mean /= f.length;
        double var = 0;
        for (float v : f) {
            var += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(var / f.length) + 1e-6;
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) ((f[i] - mean) / sd);
        }
        return f;
    }

    /** Just enough RFC 4180 for metadata files: quoted fields, doubled quotes, commas and newlines in quotes. */
    static final class Csv {
        static List<Map<String, String>> read(Path file) throws IOException {
            List<List<String>> records = new ArrayList<>();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                List<String> record = new ArrayList<>();
                StringBuilder field = new StringBuilder();
                boolean quoted = false;
                int c;
                while ((c = r.read()) != -1) {
                    if (quoted) {
                        if (c == '"') {
                            r.mark(1);
                            int next = r.read();
                            if (next == '"') {
                                field.append('"');
                            } else {
                                quoted = false;
                                if (next != -1) {
                                    r.reset();
                                }
                            }
                        } else {
                            field.append((char) c);
                        }
                    } else if (c == '"') {
                        quoted = true;
                    } else if (c == ',') {
                        record.add(field.toString());
                        field.setLength(0);
                    } else if (c == '\n') {
                        record.add(field.toString());
                        field.setLength(0);
                        records.add(record);
                        record = new ArrayList<>();
                    } else if (c != '\r') {
                        field.append((char) c);
                    }
                }
                if (field.length() > 0 || !record.isEmpty()) {
                    record.add(field.toString());
                    records.add(record);
                }
            }
            if (records.isEmpty()) {
                throw new IOException(file + " is empty");
            }
            List<String> header = records.get(0);
            List<Map<String, String>> rows = new ArrayList<>();
            for (List<String> rec : records.subList(1, records.size())) {
                if (rec.size() == 1 && rec.get(0).isBlank()) {
                    continue;
                }
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < header.size() && i < rec.size(); i++) {
                    row.put(header.get(i).strip(), rec.get(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }
}
