package org.synthray.agent.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One part of a data folder's patients: patient K of N by a fixed hash of the patient id, so one
 * folder can stand in for several hospitals (the demo splits the public NIH set in two) and no
 * patient is ever in two parts. Without a patient column, the image name is the key.
 */
public record PatientShard(int index, int count) {
    public static final PatientShard ALL = new PatientShard(0, 1);

    public PatientShard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("a shard is K/N with 0 <= K < N, got " + index + "/" + count);
        }
    }

    /** Parses {@code K/N}. */
    public static PatientShard parse(String text) {
        String[] p = text.split("/");
        try {
            if (p.length == 2) {
                return new PatientShard(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException("a shard is K/N with 0 <= K < N, got '" + text + "'");
    }

    public boolean contains(String patientKey) {
        int h = 0;
        for (byte b : patientKey.getBytes(StandardCharsets.UTF_8)) {
            h = h * 31 + (b & 0xff);
        }
        return Math.floorMod(h, count) == index;
    }

    /** The images of {@code ds} (loaded from {@code data}) whose patient is in this shard. */
    public ImageTextDataset apply(Path data, ImageTextDataset ds) throws IOException {
        if (count == 1) {
            return ds;
        }
        DatasetSpec spec = DatasetSpec.detect(data);
        Map<String, String> patientOfImage = new HashMap<>();
        for (Map<String, String> row : Csv.read(spec.csv()).rows()) {
            String image = row.getOrDefault(spec.imageColumn(), "");
            patientOfImage.put(image, spec.patientColumn() != null ? row.getOrDefault(spec.patientColumn(), image) : image);
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            if (contains(patientOfImage.getOrDefault(ds.id(i), ds.id(i)))) {
                keep.add(i);
            }
        }
        return ds.select(keep, List.of());
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
