package org.synthray.agent.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.synthray.agent.dicom.DicomImageReader;

/**
 * What a site's data folder holds and what SynthRay can use of it: every listed image is decoded
 * and preprocessed exactly as training would, and each row that cannot be used is reported with its
 * reason. Reads nothing outside the folder and writes nothing.
 */
public final class DataCheck {

    /** The outcome of a check. */
    public record Report(DatasetSpec spec, int rows, List<String> unusedColumns, Map<String, Integer> usableBySplit,
            Map<String, Integer> usableByFormat, int patients, List<ImageTextDataset.Skip> skipped,
            List<String> unlistedImages) {

        public int usable() {
            return usableBySplit.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Skips grouped by the kind of reason (the reason up to its first colon), largest group first. */
        public Map<String, List<ImageTextDataset.Skip>> skippedByReason() {
            Map<String, List<ImageTextDataset.Skip>> m = new TreeMap<>();
            for (ImageTextDataset.Skip s : skipped) {
                m.computeIfAbsent(kind(s.reason()), k -> new ArrayList<>()).add(s);
            }
            Map<String, List<ImageTextDataset.Skip>> sorted = new LinkedHashMap<>();
            m.entrySet().stream().sorted((a, b) -> b.getValue().size() - a.getValue().size())
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            return sorted;
        }
    }

    private DataCheck() {
    }

    static String kind(String reason) {
        int c = reason.indexOf(':');
        return c > 0 ? reason.substring(0, c) : reason;
    }

    /**
     * @param size the image size to preprocess to (the model's)
     * @throws IOException when the folder has no usable table (empty folder, no CSV/JSONL, no image or text column)
     */
    public static Report run(Path data, int size) throws IOException {
        DatasetSpec spec = DatasetSpec.detect(data);
        Csv csv = Csv.read(spec.csv());
        List<String> unused = new ArrayList<>(csv.header());
        unused.removeAll(spec.usedColumns());
        ImageTextDataset ds = ImageTextDataset.decode(spec, csv.rows(), size);
        List<ImageTextDataset.Skip> skipped = new ArrayList<>();
        for (String p : csv.problems()) {
            skipped.add(new ImageTextDataset.Skip(spec.csv().getFileName() + " " + p.substring(0, p.indexOf(':')),
                    p.substring(p.indexOf(':') + 2)));
        }
        skipped.addAll(ds.skipped());

        Map<String, Integer> bySplit = new TreeMap<>();
        Map<String, Integer> byFormat = new TreeMap<>();
        Set<String> patients = new HashSet<>();
        Set<Path> listed = new HashSet<>();
        Map<String, Map<String, String>> rowById = new LinkedHashMap<>();
        for (Map<String, String> r : csv.rows()) {
            rowById.putIfAbsent(r.getOrDefault(spec.imageColumn(), ""), r);
            listed.add(spec.imageFile(r).toAbsolutePath().normalize());
        }
        for (int i = 0; i < ds.size(); i++) {
            Map<String, String> r = rowById.get(ds.id(i));
            String split = spec.split(r);
            bySplit.merge(split.isEmpty() ? "(no split)" : split, 1, Integer::sum);
            byFormat.merge(format(spec.imageFile(r)), 1, Integer::sum);
            if (spec.patientColumn() != null) {
                patients.add(r.getOrDefault(spec.patientColumn(), ""));
            }
        }
        List<String> unlisted = new ArrayList<>();
        if (Files.isDirectory(spec.imageDir())) {
            try (var files = Files.walk(spec.imageDir(), 3)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                    if (Files.isRegularFile(f) && n.matches(".*\\.(png|jpe?g|dcm|dicom)")
                            && !listed.contains(f.toAbsolutePath().normalize())) {
                        unlisted.add(spec.imageDir().relativize(f).toString());
                    }
                }
            }
        }
        java.util.Collections.sort(unlisted);
        return new Report(spec, csv.rows().size(), unused, bySplit, byFormat, patients.size(), skipped, unlisted);
    }

    /** PNG, JPEG, DICOM or OTHER, from the file's first bytes (names can lie). */
    static String format(Path file) {
        byte[] head = new byte[132];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return "OTHER";
        }
        if (n >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return "PNG";
        }
        if (n >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8) {
            return "JPEG";
        }
        if (n == head.length && DicomImageReader.isDicom(head)) {
            return "DICOM";
        }
        return "OTHER";
    }
}
