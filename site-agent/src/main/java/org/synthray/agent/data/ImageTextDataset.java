package org.synthray.agent.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Image–text pairs in memory, preprocessed: {@code pixels} holds image i at
 * {@code [i*size*size, (i+1)*size*size)}, values in [-1, 1]. Rows that cannot be used are
 * skipped with a reason ({@link #skipped()}), never thrown half-way through an epoch.
 */
public final class ImageTextDataset {
    /** A row that was left out, and why. */
    public record Skip(String image, String reason) {
    }

    private final int size;
    private final List<String> ids;
    private final List<String> texts;
    private final List<List<String>> labels;
    private final float[] pixels;
    private final List<Skip> skipped;

    public ImageTextDataset(int size, List<String> ids, List<String> texts, List<List<String>> labels,
            float[] pixels, List<Skip> skipped) {
        if (pixels.length != ids.size() * size * size || texts.size() != ids.size() || labels.size() != ids.size()) {
            throw new IllegalArgumentException("inconsistent dataset arrays");
        }
        this.size = size;
        this.ids = List.copyOf(ids);
        this.texts = List.copyOf(texts);
        this.labels = List.copyOf(labels);
        this.pixels = pixels;
        this.skipped = List.copyOf(skipped);
    }

    /**
     * Loads one split of a data folder, through the cache when one is given.
     *
     * @param split {@code train}, {@code val}, or {@code all}
     * @param cache may be null (decode every PNG)
     */
    public static ImageTextDataset load(Path data, String split, int size, DatasetCache cache) throws IOException {
        DatasetSpec spec = DatasetSpec.detect(data);
        Csv csv = Csv.read(spec.csv());
        List<Map<String, String>> rows = new ArrayList<>();
        for (Map<String, String> r : csv.rows()) {
            if (split.equals("all") || spec.split(r).equals(split)) {
                rows.add(r);
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(spec.csv() + " has no rows in split '" + split + "'");
        }
        ImageTextDataset ds = cache != null ? cache.load(spec, rows, split, size) : decode(spec, rows, size);
        if (!csv.problems().isEmpty()) {
            List<Skip> bad = new ArrayList<>();
            for (String p : csv.problems()) {
                bad.add(new Skip(spec.csv().getFileName() + " " + p.substring(0, p.indexOf(':')), p.substring(p.indexOf(':') + 2)));
            }
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < ds.size(); i++) {
                all.add(i);
            }
            ds = ds.select(all, bad);
        }
        if (ds.size() == 0) {
            throw new IOException("no usable images in split '" + split + "' of " + spec.csv() + "; first reason: "
                    + (ds.skipped.isEmpty() ? "-" : ds.skipped.get(0).image() + ": " + ds.skipped.get(0).reason()));
        }
        return ds;
    }

    /** Decodes and preprocesses every row; bad rows become {@link Skip}s. */
    static ImageTextDataset decode(DatasetSpec spec, List<Map<String, String>> rows, int size) {
        ImagePreprocessor pre = new ImagePreprocessor(size);
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<List<String>> labels = new ArrayList<>();
        List<Skip> skips = new ArrayList<>();
        float[] buf = new float[rows.size() * size * size];
        for (Map<String, String> r : rows) {
            String name = r.getOrDefault(spec.imageColumn(), "");
            String text = spec.text(r);
            if (name.isBlank()) {
                skips.add(new Skip("(row without image)", "empty image column '" + spec.imageColumn() + "'"));
                continue;
            }
            if (text == null || text.isBlank()) {
                skips.add(new Skip(name, "empty caption"));
                continue;
            }
            float[] px;
            try {
                px = pre.load(spec.confinedImageFile(r));
            } catch (IOException e) {
                skips.add(new Skip(name, e.getMessage()));
                continue;
            } catch (RuntimeException e) {
                // One bad file is reported and skipped; it never ends the check or the training.
                skips.add(new Skip(name, "cannot decode: " + e));
                continue;
            }
            System.arraycopy(px, 0, buf, ids.size() * size * size, px.length);
            ids.add(name);
            texts.add(text.strip());
            labels.add(spec.labels(r));
        }
        return new ImageTextDataset(size, ids, texts, labels,
                java.util.Arrays.copyOf(buf, ids.size() * size * size), skips);
    }

    /**
     * The patient of each image of {@code ds} (loaded from {@code data}), or null when the table has
     * no patient column.
     */
    public static List<String> patients(Path data, ImageTextDataset ds) throws IOException {
        DatasetSpec spec = DatasetSpec.detect(data);
        if (spec.patientColumn() == null) {
            return null;
        }
        Map<String, String> byImage = new java.util.HashMap<>();
        for (Map<String, String> r : Csv.read(spec.csv()).rows()) {
            byImage.putIfAbsent(r.getOrDefault(spec.imageColumn(), ""), r.getOrDefault(spec.patientColumn(), "").strip());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            String p = byImage.get(ds.id(i));
            if (p == null || p.isEmpty()) {
                return null; // an image without a patient: pairs within the training set cannot be trusted
            }
            out.add(p);
        }
        return out;
    }

    public int size() {
        return ids.size();
    }

    public int imageSize() {
        return size;
    }

    public String id(int i) {
        return ids.get(i);
    }

    public String text(int i) {
        return texts.get(i);
    }

    public List<String> texts() {
        return texts;
    }

    public List<String> labels(int i) {
        return labels.get(i);
    }

    /** All pixels, row-major per image (do not modify). */
    public float[] pixels() {
        return pixels;
    }

    /** Copies image i into {@code dst} at {@code offset}. */
    public void copyImage(int i, float[] dst, int offset) {
        System.arraycopy(pixels, i * size * size, dst, offset, size * size);
    }

    public float[] image(int i) {
        float[] out = new float[size * size];
        copyImage(i, out, 0);
        return out;
    }

    public List<Skip> skipped() {
        return skipped;
    }

    /** The subset of rows {@code keep}, e.g. after dropping prompts too long for a model. */
    public ImageTextDataset select(List<Integer> keep, List<Skip> moreSkips) {
        List<String> i2 = new ArrayList<>();
        List<String> t2 = new ArrayList<>();
        List<List<String>> l2 = new ArrayList<>();
        float[] p2 = new float[keep.size() * size * size];
        for (int k = 0; k < keep.size(); k++) {
            int i = keep.get(k);
            i2.add(ids.get(i));
            t2.add(texts.get(i));
            l2.add(labels.get(i));
            copyImage(i, p2, k * size * size);
        }
        List<Skip> s2 = new ArrayList<>(skipped);
        s2.addAll(moreSkips);
        return new ImageTextDataset(size, i2, t2, l2, p2, s2);
    }
}
