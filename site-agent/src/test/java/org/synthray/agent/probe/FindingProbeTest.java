package org.synthray.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.flower.Scalars;
import org.synthray.golden.Golden;
import org.synthray.tensor.Weights;

/** The finding probe trains on real NIH films and reads site folders defensively. */
class FindingProbeTest {
    static Path nih() {
        return Golden.root().resolve("../../data/nih-cxr14-64").normalize();
    }

    @Test
    void shardsSplitPatientsWithoutOverlapAndCoverTheSplit() throws Exception {
        List<ProbeData.Example> a = ProbeData.load(nih(), "train", 0, 2);
        List<ProbeData.Example> b = ProbeData.load(nih(), "train", 1, 2);
        assertEquals(670, a.size() + b.size(), "the NIH train split has 670 images");
        assertTrue(a.size() > 200 && b.size() > 200);
        assertEquals(ProbeData.SIDE * ProbeData.SIDE, a.get(0).features().length);
    }

    @Test
    void localTrainingLowersTheTrainingLoss() throws Exception {
        FindingProbe probe = new FindingProbe(ProbeData.load(nih(), "train", 0, 2), ProbeData.load(nih(), "val", 0, 2));
        Weights w0 = probe.initialWeights();
        Map<String, org.synthray.flower.proto.Scalar> config = Scalars.map(Map.of("lr", 0.002, "local_epochs", 3L));
        LocalTrainer.FitResult r = probe.fit(w0, config);
        double before = probe.evaluateOn(w0, true);
        double after = probe.evaluateOn(r.weights(), true);
        assertTrue(after < before - 0.01, "training loss " + before + " -> " + after);
        assertEquals(null, w0.incompatibility(r.weights()));
        assertTrue((Double) r.metrics().get("images_per_s") > 0);
        LocalTrainer.EvaluateResult e = probe.evaluate(r.weights(), Map.of());
        double acc = (Double) e.metrics().get("accuracy");
        assertTrue(acc >= 0 && acc <= 1);
        assertTrue(e.numExamples() > 0);
    }

    @Test
    void fedProxKeepsWeightsCloserToTheGlobalModel() throws Exception {
        FindingProbe probe = new FindingProbe(ProbeData.load(nih(), "train", 1, 2), List.of());
        Weights w0 = probe.initialWeights();
        Weights free = probe.fit(w0, Scalars.map(Map.of("lr", 0.01))).weights();
        Weights prox = probe.fit(w0, Scalars.map(Map.of("lr", 0.01, "proximal_mu", 5.0))).weights();
        assertTrue(norm(prox) < norm(free), "the proximal term pulls towards w0 = 0");
    }

    @Test
    void unreadableImagesAreSkippedNotFatal(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Files.copy(nih().resolve("images/00000001_000.png"), dir.resolve("images/good.png"));
        Files.write(dir.resolve("images/corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
        Files.writeString(dir.resolve("images/notes.png"), "not an image");
        Files.writeString(dir.resolve("metadata.csv"), """
                image,split,patient_id,findings,caption
                good.png,train,1,Cardiomegaly,"PA chest x-ray: cardiomegaly, effusion"
                corrupt.png,train,2,No Finding,x
                notes.png,train,3,No Finding,x
                missing.png,train,4,No Finding,x
                """);
        List<ProbeData.Example> loaded = ProbeData.load(dir, "train", 0, 1);
        assertEquals(1, loaded.size());
        assertEquals(1f, loaded.get(0).label());
    }

    private static double norm(Weights w) {
        double s = 0;
        for (var t : w) {
            for (double d : t.toDoubleArray()) {
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    @Test
    void csvHandlesQuotesCommasAndNewlines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.csv");
        Files.writeString(f, "a,b\r\n\"x, \"\"y\"\"\",\"line1\nline2\"\r\n");
        List<Map<String, String>> rows = ProbeData.Csv.read(f);
        assertEquals(1, rows.size());
        assertEquals("x, \"y\"", rows.get(0).get("a"));
        assertEquals("line1\nline2", rows.get(0).get("b"));
        assertEquals(new HashSet<>(Set.of("a", "b")), rows.get(0).keySet());
    }
}
