package org.synthray.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;
import org.synthray.agent.guard.PrivacyGuard;

/** {@code guard calibrate}: a site's guard knows only the site's own images. */
class GuardCommandTest {
    @TempDir
    Path dir;

    @Test
    void calibrationUsesOnlyTheSitesShardOfPatients() throws Exception {
        // Two sites share the NIH folder, split by patient as the demo does (join --shard 0/2 and 1/2).
        Path g0 = calibrate("0/2");
        Path g1 = calibrate("1/2");
        Set<String> ids0 = trainIds(g0);
        Set<String> ids1 = trainIds(g1);

        Map<String, String> patient = new HashMap<>();
        Map<String, String> split = new HashMap<>();
        List<String> rows = Files.readAllLines(TestData.nih().resolve("metadata.csv"));
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            patient.put(f[0], f[2]);
            split.put(f[0], f[1]);
        }
        Set<String> patients0 = new HashSet<>();
        ids0.forEach(id -> patients0.add(patient.get(id)));
        for (String id : ids1) {
            assertTrue(!ids0.contains(id) && !patients0.contains(patient.get(id)),
                    "image " + id + " (patient " + patient.get(id) + ") is in both sites' guards");
        }
        long allTrain = split.values().stream().filter("train"::equals).count();
        assertEquals(allTrain, ids0.size() + ids1.size(), "together the two shards are the whole train split");
        assertTrue(ids0.size() > 100 && ids1.size() > 100, ids0.size() + " / " + ids1.size());

        long allVal = split.values().stream().filter("val"::equals).count();
        int val0 = guardJson(g0).get("valImages").asInt();
        int val1 = guardJson(g1).get("valImages").asInt();
        assertEquals(allVal, val0 + val1, "validation images are split by patient too");
        assertTrue(val0 < allVal && val1 < allVal);
    }

    @Test
    void aBadShardIsRefusedBeforeAnyWork() {
        CliTest.Run r = CliTest.run("guard", "calibrate", "--data", TestData.nih().toString(), "--shard", "2/2",
                "--out", dir.resolve("g").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("a shard is K/N with 0 <= K < N"), r.err());
        assertTrue(!Files.exists(dir.resolve("g")));
    }

    private Path calibrate(String shard) {
        Path out = dir.resolve("guard-" + shard.replace('/', '-'));
        CliTest.Run r = CliTest.run("guard", "calibrate", "--data", TestData.nih().toString(), "--shard", shard,
                "--classifier-steps", "5", "--cache-dir", dir.resolve("cache").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("of shard " + shard), r.out());
        return out;
    }

    private static Set<String> trainIds(Path guard) throws Exception {
        Set<String> ids = new HashSet<>();
        for (String line : Files.readAllLines(guard.resolve(PrivacyGuard.TRAIN_IDS))) {
            if (!line.isBlank()) {
                ids.add(line.strip());
            }
        }
        return ids;
    }

    private static JsonNode guardJson(Path guard) throws Exception {
        return new ObjectMapper().readTree(guard.resolve(PrivacyGuard.GUARD_JSON).toFile());
    }
}
