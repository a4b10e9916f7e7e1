package org.synthray.agent.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.synthray.agent.TestData;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.data.PatientShard;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.flower.Scalars;
import org.synthray.tensor.Weights;

/** The finding probe trains on real NIH films; shards split patients between sites. */
class FindingProbeTest {
    static Path nih() {
        return TestData.nih();
    }

    static ImageTextDataset load(String split, PatientShard shard) throws Exception {
        return shard.apply(nih(), ImageTextDataset.load(nih(), split, FindingProbe.SIDE, null));
    }

    @Test
    void shardsSplitPatientsWithoutOverlapAndCoverTheSplit() throws Exception {
        ImageTextDataset a = load("train", new PatientShard(0, 2));
        ImageTextDataset b = load("train", new PatientShard(1, 2));
        assertEquals(670, a.size() + b.size(), "the NIH train split has 670 images");
        assertTrue(a.size() > 200 && b.size() > 200);
        Set<String> patientsA = new HashSet<>();
        for (int i = 0; i < a.size(); i++) {
            patientsA.add(a.id(i).substring(0, 8)); // NIH image names start with the patient number
        }
        for (int i = 0; i < b.size(); i++) {
            assertTrue(!patientsA.contains(b.id(i).substring(0, 8)), "patient of " + b.id(i) + " is in both shards");
        }
    }

    @Test
    void localTrainingLowersTheTrainingLoss() throws Exception {
        FindingProbe probe = new FindingProbe(load("train", new PatientShard(0, 2)), load("val", new PatientShard(0, 2)));
        Weights w0 = probe.initialWeights();
        LocalTrainer.FitResult r = probe.fit(w0, Scalars.map(Map.of("lr", 0.002, "local_epochs", 3L)));
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
        FindingProbe probe = new FindingProbe(load("train", new PatientShard(1, 2)), null);
        Weights w0 = probe.initialWeights();
        Weights free = probe.fit(w0, Scalars.map(Map.of("lr", 0.01))).weights();
        Weights prox = probe.fit(w0, Scalars.map(Map.of("lr", 0.01, "proximal_mu", 5.0))).weights();
        assertTrue(norm(prox) < norm(free), "the proximal term pulls towards w0 = 0");
    }

    @Test
    void shardSyntaxIsChecked() {
        assertEquals(new PatientShard(1, 3), PatientShard.parse("1/3"));
        for (String bad : List.of("3/3", "x/2", "1", "-1/2", "1/0")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> PatientShard.parse(bad));
            assertTrue(e.getMessage().contains("K/N"), e.getMessage());
        }
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
}
