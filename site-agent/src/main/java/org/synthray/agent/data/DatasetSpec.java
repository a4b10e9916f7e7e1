package org.synthray.agent.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How to read a folder of images with a CSV: which column names the image file, where the text
 * comes from, which rows belong to which split. {@link #detect(Path)} knows two layouts:
 * <ul>
 *   <li><b>captioned</b> (like {@code nih-cxr14-64/metadata.csv}): columns {@code image},
 *   {@code caption} (or {@code report}), optional {@code split}, {@code findings}, {@code patient_id};
 *   images under {@code images/} or beside the CSV;</li>
 *   <li><b>hannover</b> ({@code hannover-covid/data.csv}): {@code image_id} → {@code png/<id>.png}; no
 *   text, so a caption is built from sex, projection and ICU stay; no split column, so patients are
 *   split 80/20 by a hash of their id.</li>
 * </ul>
 */
public record DatasetSpec(String layout, Path csv, Path imageDir, String imageColumn, String textColumn,
        String splitColumn, String labelsColumn, String patientColumn) {

    /**
     * @param path a data folder (holding {@code metadata.csv} or {@code data.csv}) or a CSV file
     * @throws IOException with a clear message when no usable CSV is found
     */
    public static DatasetSpec detect(Path path) throws IOException {
        Path csv = path;
        if (Files.isDirectory(path)) {
            csv = null;
            for (String name : DESCRIPTION_FILES) {
                if (Files.isRegularFile(path.resolve(name))) {
                    csv = path.resolve(name);
                    break;
                }
            }
            if (csv == null) {
                csv = onlyDescriptionFile(path);
            }
        } else if (!Files.isRegularFile(path)) {
            throw new IOException("data path " + path + " does not exist");
        }
        Path dir = csv.toAbsolutePath().getParent();
        List<String> header = Csv.read(csv).header();
        if (header.contains("image_id") && header.contains("projection")) {
            return new DatasetSpec("hannover", csv, dir.resolve("png"), "image_id", null, null, null, "patient_id");
        }
        String image = first(header, IMAGE_COLUMNS);
        String text = first(header, TEXT_COLUMNS);
        if (image == null || text == null) {
            throw new IOException(csv + ": expected columns 'image' (or " + String.join("/", IMAGE_COLUMNS.subList(1, IMAGE_COLUMNS.size()))
                    + ") and 'caption' (or " + String.join("/", TEXT_COLUMNS.subList(1, TEXT_COLUMNS.size()))
                    + "); found " + header);
        }
        Path images = Files.isDirectory(dir.resolve("images")) ? dir.resolve("images") : dir;
        return new DatasetSpec("captioned", csv, images, image, text,
                header.contains("split") ? "split" : null,
                first(header, List.of("findings", "labels")),
                header.contains("patient_id") ? "patient_id" : null);
    }

    /** Names looked for, in this order, in a data folder. */
    public static final List<String> DESCRIPTION_FILES = List.of("metadata.csv", "data.csv", "reports.csv",
            "metadata.jsonl", "data.jsonl", "reports.jsonl");
    static final List<String> IMAGE_COLUMNS = List.of("image", "file", "path", "filename");
    static final List<String> TEXT_COLUMNS = List.of("caption", "report", "text");

    private static String first(List<String> header, List<String> names) {
        for (String n : names) {
            if (header.contains(n)) {
                return n;
            }
        }
        return null;
    }

    /** The one CSV or JSONL file of a folder, or a message saying what was found instead. */
    private static Path onlyDescriptionFile(Path dir) throws IOException {
        List<Path> found = new java.util.ArrayList<>();
        long images = 0;
        long entries = 0;
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                entries++;
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".csv") || n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
                    found.add(p);
                } else if (n.matches(".*\\.(png|jpe?g|dcm|dicom)")) {
                    images++;
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        if (entries == 0) {
            throw new IOException("no metadata.csv or metadata.jsonl in " + dir + ": the folder is empty (put the images "
                    + "there with a metadata.csv or metadata.jsonl: one row per image with its file, report or caption, "
                    + "optional labels)");
        }
        if (found.isEmpty()) {
            throw new IOException("no metadata.csv or metadata.jsonl in " + dir + " (" + images + " image files, "
                    + "but nothing pairs them with a report or caption)");
        }
        throw new IOException(dir + " holds several tables (" + found.stream().map(p -> p.getFileName().toString()).sorted()
                .collect(java.util.stream.Collectors.joining(", ")) + "): name the one to use (--data " + dir + "/<file>)");
    }

    /** Columns this spec reads (the rest of a table is ignored). */
    public List<String> usedColumns() {
        if (layout.equals("hannover")) {
            return List.of("image_id", "patient_id", "projection", "sex", "icu_admission_offset");
        }
        List<String> used = new java.util.ArrayList<>();
        for (String c : new String[] {imageColumn, textColumn, splitColumn, labelsColumn, patientColumn}) {
            if (c != null) {
                used.add(c);
            }
        }
        return used;
    }

    /** The image file of a row. */
    public Path imageFile(Map<String, String> row) {
        String v = row.getOrDefault(imageColumn, "").strip();
        if (layout.equals("hannover") && !v.isEmpty() && !v.contains(".")) {
            v = v + ".png";
        }
        return imageDir.resolve(v);
    }

    /**
     * The image file of a row, only when it lies inside the image folder: a table naming
     * {@code ../}, an absolute path or a symbolic link leading elsewhere must not make the agent
     * read (and train on, or report about) files outside its data folder.
     *
     * @throws IOException with the reason when the name leads outside the image folder
     */
    public Path confinedImageFile(Map<String, String> row) throws IOException {
        String v = row.getOrDefault(imageColumn, "").strip();
        Path named = java.nio.file.Paths.get(v);
        if (named.isAbsolute() || v.startsWith("/") || v.startsWith("\\") || v.matches("^[A-Za-z]:.*")) {
            throw new IOException("outside the data folder: absolute path");
        }
        for (Path part : named) {
            if (part.toString().equals("..")) {
                throw new IOException("outside the data folder: '..' in the path");
            }
        }
        Path file = imageFile(row);
        if (java.nio.file.Files.exists(file)) {
            Path real = file.toRealPath();
            Path root = imageDir.toRealPath();
            if (!real.startsWith(root)) {
                throw new IOException("outside the data folder: a link to a file elsewhere");
            }
        }
        return file;
    }

    /** The text of a row: the caption/report column, or one built from the fields. */
    public String text(Map<String, String> row) {
        if (textColumn != null) {
            return row.getOrDefault(textColumn, "");
        }
        String proj = row.getOrDefault("projection", "").strip().toUpperCase(Locale.ROOT);
        String sex = switch (row.getOrDefault("sex", "").strip().toLowerCase(Locale.ROOT)) {
            case "m" -> "male";
            case "f" -> "female";
            default -> "";
        };
        boolean icu = !row.getOrDefault("icu_admission_offset", "").isBlank();
        StringBuilder sb = new StringBuilder(proj.isEmpty() ? "Chest radiograph" : proj + " chest radiograph");
        sb.append(" of a ");
        if (!sex.isEmpty()) {
            sb.append(sex).append(' ');
        }
        sb.append(icu ? "ICU patient" : "patient").append(" with COVID-19");
        return sb.toString();
    }

    /** Split of a row: the split column, or 80/20 train/val by patient. */
    public String split(Map<String, String> row) {
        if (splitColumn != null) {
            return row.getOrDefault(splitColumn, "").strip().toLowerCase(Locale.ROOT);
        }
        String key = patientColumn != null ? row.getOrDefault(patientColumn, "") : row.getOrDefault(imageColumn, "");
        // A fixed hash (not String.hashCode's, which is also fixed, but say so): the split never changes.
        int h = 0;
        for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = h * 31 + (b & 0xff);
        }
        return Math.floorMod(h, 5) == 0 ? "val" : "train";
    }

    /** Findings of a row ({@code |}-separated labels), or "COVID-19" for the Hannover layout. */
    public List<String> labels(Map<String, String> row) {
        if (layout.equals("hannover")) {
            return List.of("COVID-19");
        }
        if (labelsColumn == null) {
            return List.of();
        }
        String v = row.getOrDefault(labelsColumn, "").strip();
        return v.isEmpty() ? List.of() : List.of(v.split("\\|"));
    }
}
