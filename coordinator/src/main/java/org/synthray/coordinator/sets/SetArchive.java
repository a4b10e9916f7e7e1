package org.synthray.coordinator.sets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;

/**
 * A released set as one ZIP, written straight to the response: each image is copied from the blob
 * store in 64 KiB pieces, so memory stays flat whatever the set's size.
 *
 * <pre>
 * &lt;set-id&gt;/images/000000.png …   (format png)   or   &lt;set-id&gt;/dicom/000000.dcm …   (format dicom)
 * &lt;set-id&gt;/manifest.csv      one row per image: the file in this ZIP, its hash, prompt, seed, guard scores
 * &lt;set-id&gt;/manifest.jsonl    the site's hash-chained manifest, verbatim (verify it yourself)
 * &lt;set-id&gt;/datasheet.md      model, prompts, counts, guard statistics, evaluation, licence, intended use
 * &lt;set-id&gt;/prov.json         W3C PROV-JSON: model lineage, generation, guard check, release
 * </pre>
 */
public final class SetArchive {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Image format of a download. */
    public enum Format {
        PNG, DICOM;

        public static Format parse(String s) {
            if (s == null || s.isBlank() || s.equalsIgnoreCase("png")) {
                return PNG;
            }
            if (s.equalsIgnoreCase("dicom") || s.equalsIgnoreCase("dcm")) {
                return DICOM;
            }
            throw new IllegalArgumentException("format must be png or dicom, got '" + s + "'");
        }

        /** The entry's file in a ZIP of this format ({@code images/…png} or {@code dicom/…dcm}). */
        public String file(ManifestEntry e) {
            return this == PNG ? e.file() : e.dicom();
        }

        public String sha256(ManifestEntry e) {
            return this == PNG ? e.sha256() : e.dicomSha256();
        }

        /** The folder of the images in a ZIP of this format, and what they are. */
        String folder() {
            return this == PNG ? "`images/`: the images as 8-bit grey PNG" : "`dicom/`: the images as DICOM Secondary Capture";
        }
    }

    private SetArchive() {
    }

    /** Writes the ZIP to {@code out} (finished, not closed). */
    public static void write(OutputStream out, Datasheet sheet, Manifest manifest, BlobStore store, String manifestSha256,
                             Format format, Map<String, Object> prov) throws IOException {
        SetView set = sheet.set();
        String root = set.id() + "/";
        ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
        zip.setComment("SynthRay synthetic set " + set.id() + " (" + set.images() + " images, " + format.name().toLowerCase(Locale.ROOT)
                + "). Synthetic images; no patient data.");
        // Text is compressed; images are written uncompressed (PNG is compressed already; it keeps downloads fast).
        zip.setLevel(Deflater.BEST_SPEED);
        text(zip, root + "datasheet.md", datasheetMarkdown(sheet, format));
        text(zip, root + "manifest.csv", manifestCsv(manifest, format));
        zip.putNextEntry(new ZipEntry(root + "manifest.jsonl"));
        try (InputStream in = store.open(manifestSha256, 0)) {
            in.transferTo(zip);
        }
        zip.closeEntry();
        text(zip, root + "prov.json", PRETTY.writeValueAsString(prov) + "\n");
        zip.setLevel(Deflater.NO_COMPRESSION);
        for (ManifestEntry e : manifest.entries()) {
            String file = format.file(e);
            String sha = format.sha256(e);
            if (file == null) {
                continue; // checked before streaming: a DICOM download needs DICOM for every image
            }
            zip.putNextEntry(new ZipEntry(root + file));
            try (InputStream in = store.open(sha, 0)) {
                in.transferTo(zip);
            }
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    private static void text(ZipOutputStream zip, String name, String content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(content.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    /**
     * Columns of {@code manifest.csv}: {@code file}, {@code sha256} and {@code size} are those of the
     * file in this ZIP (a PNG or a DICOM file, whichever format was downloaded); {@code seq} is the
     * entry's place in {@code manifest.jsonl}, which also records the other format's file.
     */
    static final String CSV_HEADER = "seq,file,sha256,size,prompt,seed,sampler,steps,guidance,model,"
            + "guard_accepted,pixel_score,pixel_threshold,embedding_score,embedding_threshold";

    /** One row per image in the ZIP of the given format. */
    public static String manifestCsv(Manifest manifest, Format format) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (ManifestEntry e : manifest.entries()) {
            ManifestEntry.GuardVerdict g = e.guard();
            b.append(e.seq()).append(',')
                    .append(csv(format.file(e))).append(',')
                    .append(format.sha256(e)).append(',')
                    .append(format == Format.DICOM ? e.dicomSize() : e.size()).append(',')
                    .append(csv(e.prompt())).append(',')
                    .append(e.seed()).append(',')
                    .append(csv(e.sampler())).append(',')
                    .append(e.steps()).append(',')
                    .append(num(e.guidance())).append(',')
                    .append(e.model()).append(',')
                    .append(g.accepted()).append(',')
                    .append(num(g.pixelScore())).append(',')
                    .append(num(g.pixelThreshold())).append(',')
                    .append(num(g.embeddingScore())).append(',')
                    .append(num(g.embeddingThreshold()))
                    .append('\n');
        }
        return b.toString();
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.valueOf(d) : "";
    }

    /** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so spreadsheets never run a prompt as a formula. */
    static String csv(String s) {
        if (s == null) {
            return "";
        }
        String v = !s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            return "\"" + v.replace("\"", "\"\"") + "\"";
        }
        return v;
    }

    /** The datasheet as Markdown, served alone at /api/sets/{id}/datasheet.md (no image format chosen). */
    public static String datasheetMarkdown(Datasheet sheet) {
        return datasheetMarkdown(sheet, null);
    }

    /** The datasheet as Markdown; its file list names the images of {@code format} (null: either). */
    public static String datasheetMarkdown(Datasheet sheet, Format format) {
        SetView s = sheet.set();
        StringBuilder b = new StringBuilder();
        b.append("# Datasheet: synthetic set ").append(s.id()).append("\n\n");
        b.append("Synthetic chest X-rays generated by a SynthRay site from a text-to-image diffusion model and ")
                .append("checked by the site's privacy guard against its training images. They show no real patient.\n\n");
        b.append("| | |\n| --- | --- |\n");
        row(b, "State", s.state());
        row(b, "Site", s.site());
        cell(b, "Model version (SHA-256 of the weights)", Markdown.code(s.model()));
        if (s.modelSource() != null) {
            row(b, "Model source", s.modelSource());
        }
        row(b, "Images (accepted by the guard)", String.valueOf(s.images()));
        row(b, "Rejected by the guard (not published)", String.valueOf(s.guardRejected()));
        row(b, "DICOM copies", String.valueOf(s.dicomImages()));
        row(b, "Size of the images", String.format(Locale.ROOT, "%.1f MB", s.totalBytes() / 1e6));
        row(b, "Sampler", (s.sampler() != null ? s.sampler() : "?") + ", " + s.steps() + " steps, guidance " + s.guidance());
        row(b, "Generated at", s.generatedAt() != null ? s.generatedAt() : "?");
        cell(b, "Manifest head", Markdown.code(s.manifestHead()));
        if (s.decidedAt() != null) {
            row(b, s.state().equals("released") ? "Released" : "Decided", s.decidedAt() + " by " + s.decidedBy()
                    + (s.decisionReason() != null ? " (" + s.decisionReason() + ")" : ""));
        }
        row(b, "Licence", s.licence() != null ? s.licence() : "(set at release)");
        // Everything a site or an admin wrote goes through Markdown.text: it cannot add structure.
        b.append("\n## Intended use\n\n").append(s.intendedUse() != null ? Markdown.text(s.intendedUse()) : "(set at release)").append("\n");
        b.append("\n## Prompts\n\n");
        for (String p : s.prompts()) {
            b.append("- ").append(Markdown.text(p)).append('\n');
        }
        b.append("\n## Privacy guard\n\n");
        double total = s.images() + s.guardRejected();
        b.append(String.format(Locale.ROOT, "%d of %d generated images accepted (%.1f %%), %d rejected as too close to a "
                + "training image.%n", s.images(), (int) total, total > 0 ? 100 * s.images() / total : 0, s.guardRejected()));
        appendJson(b, sheet.guard());
        b.append("\n## Evaluation\n\n");
        if (sheet.evaluation() == null) {
            b.append("The site sent no evaluation numbers with this set.\n");
        } else {
            appendJson(b, sheet.evaluation());
        }
        b.append("\n## Files\n\n- ").append(format != null ? format.folder()
                        : "`images/` (PNG) or `dicom/` (DICOM Secondary Capture): the images, in the format chosen at download")
                .append("\n- `manifest.csv`: one row per image in this download (file, SHA-256, size, prompt, seed, guard scores)\n")
                .append("- `manifest.jsonl`: the site's hash-chained manifest; its last hash is the manifest head above\n")
                .append("- `prov.json`: W3C PROV-JSON provenance (model lineage, generation, guard check, release)\n");
        return b.toString();
    }

    /** A table row of plain text: key and value escaped. */
    private static void row(StringBuilder b, String k, String v) {
        cell(b, k, Markdown.inline(v));
    }

    /** A table row whose value is already Markdown (a code span). */
    private static void cell(StringBuilder b, String k, String markdown) {
        b.append("| ").append(Markdown.inline(k)).append(" | ").append(markdown).append(" |\n");
    }

    private static void appendJson(StringBuilder b, JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull() || (n.isObject() && n.isEmpty())) {
            return;
        }
        if (n.isObject()) {
            b.append("\n| | |\n| --- | --- |\n");
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                row(b, e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
            }
        } else {
            b.append("\n```json\n").append(n.toPrettyString()).append("\n```\n");
        }
    }
}
