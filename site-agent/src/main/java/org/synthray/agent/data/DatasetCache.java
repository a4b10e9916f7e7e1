package org.synthray.agent.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.synthray.tensor.DType;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Preprocessed images on disk, so epochs and later runs never decode a PNG twice. One {@code .npz}
 * per (CSV content, split, image size, file sizes and dates): {@code pixels} as uint8 [N, S, S] and
 * {@code rows} (which CSV rows were kept); skip reasons in a text file beside it. Any change to the
 * CSV or an image file gives a new key, so a stale cache is never read.
 */
public final class DatasetCache {
    private final Path dir;

    public DatasetCache(Path dir) {
        this.dir = dir;
    }

    /** {@code ~/.cache/synthray/datasets}: outside the data folder, which may be read-only. */
    public static DatasetCache defaultCache() {
        return new DatasetCache(Path.of(System.getProperty("user.home"), ".cache", "synthray", "datasets"));
    }

    ImageTextDataset load(DatasetSpec spec, List<Map<String, String>> rows, String split, int size) throws IOException {
        String key = key(spec, rows, split, size);
        Path npz = dir.resolve(key + ".npz");
        Path skips = dir.resolve(key + ".skipped.tsv");
        if (Files.isRegularFile(npz) && Files.isRegularFile(skips)) {
            try {
                return fromCache(spec, rows, size, npz, skips);
            } catch (IOException | RuntimeException e) {
                // A damaged cache is rebuilt, never fatal.
                System.err.println("warning: ignoring damaged dataset cache " + npz + ": " + e.getMessage());
            }
        }
        ImageTextDataset ds = ImageTextDataset.decode(spec, rows, size);
        try {
            Files.createDirectories(dir);
            save(ds, spec, rows, npz, skips);
        } catch (IOException e) {
            System.err.println("warning: cannot write dataset cache in " + dir + ": " + e.getMessage());
        }
        return ds;
    }

    private static void save(ImageTextDataset ds, DatasetSpec spec, List<Map<String, String>> rows, Path npz,
            Path skips) throws IOException {
        int s = ds.imageSize();
        double[] px = new double[ds.size() * s * s];
        float[] p = ds.pixels();
        for (int i = 0; i < px.length; i++) {
            px[i] = Math.round((p[i] + 1) * 127.5);
        }
        // Map kept ids back to row numbers.
        double[] kept = new double[ds.size()];
        int k = 0;
        for (int r = 0; r < rows.size() && k < ds.size(); r++) {
            if (rows.get(r).getOrDefault(spec.imageColumn(), "").equals(ds.id(k))) {
                kept[k++] = r;
            }
        }
        Weights w = Weights.of(Tensor.fromDoubles("pixels", DType.UINT8, new int[] {ds.size(), s, s}, px),
                Tensor.fromDoubles("rows", DType.INT32, new int[] {ds.size()}, kept));
        StringBuilder sb = new StringBuilder();
        for (ImageTextDataset.Skip sk : ds.skipped()) {
            sb.append(sk.image().replace('\t', ' ')).append('\t').append(sk.reason().replace('\n', ' ')).append('\n');
        }
        Files.writeString(skips, sb.toString());
        Npz.write(w, npz);
    }

    private static ImageTextDataset fromCache(DatasetSpec spec, List<Map<String, String>> rows, int size, Path npz,
            Path skipsFile) throws IOException {
        Weights w = Npz.read(npz);
        Tensor px = w.get("pixels");
        Tensor kept = w.get("rows");
        int n = Math.toIntExact(kept.elementCount());
        float[] pixels = new float[n * size * size];
        java.nio.ByteBuffer b = px.data();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (b.get(i) & 0xff) / 127.5f - 1f;
        }
        List<String> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<List<String>> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> r = rows.get((int) kept.getLong(i));
            ids.add(r.getOrDefault(spec.imageColumn(), ""));
            texts.add(spec.text(r).strip());
            labels.add(spec.labels(r));
        }
        List<ImageTextDataset.Skip> skips = new ArrayList<>();
        for (String line : Files.readAllLines(skipsFile)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                skips.add(new ImageTextDataset.Skip(line.substring(0, tab), line.substring(tab + 1)));
            }
        }
        return new ImageTextDataset(size, ids, texts, labels, pixels, skips);
    }

    static String key(DatasetSpec spec, List<Map<String, String>> rows, String split, int size) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("v2|" + split + "|" + size + "|" + spec.layout() + "|").getBytes(StandardCharsets.UTF_8));
            md.update(Files.readAllBytes(spec.csv()));
            for (Map<String, String> r : rows) {
                Path f = spec.imageFile(r);
                String stamp = Files.isRegularFile(f)
                        ? Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis() : "missing";
                md.update((f.toAbsolutePath() + "|" + stamp + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 24);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
