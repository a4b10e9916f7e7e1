package org.synthray.agent.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.agent.TestData;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.data.PatientShard;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.flower.Scalars;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Federated rounds must improve a trained model, not degrade it. Two sites (the two patient halves of
 * the NIH training split, 16 px) fine-tune a trained {@code tiny} checkpoint (400 steps on that split,
 * shipped as a test resource) with the demo's local settings: 8 Adam steps at lr 1e-4, FedProx μ 0.01,
 * FedAvg in between.
 */
class FederatedFineTuningTest {
    static final Path CHECKPOINT = Path.of("src/test/resources/models/tiny-nih16");
    static final Map<String, Object> FIT = Map.of("local_steps", 8L, "lr", 1e-4, "proximal_mu", 0.01, "batch_size", 16L);

    @Test
    void federatedRoundsFromATrainedCheckpointDoNotRaiseValidationLoss() throws Exception {
        try (TextToImagePipeline a = Checkpoint.load(CHECKPOINT); TextToImagePipeline b = Checkpoint.load(CHECKPOINT)) {
            int s = a.model().config().imageSize();
            ImageTextDataset train = ImageTextDataset.load(TestData.nih(), "train", s, null);
            ImageTextDataset val = ImageTextDataset.load(TestData.nih(), "val", s, null);
            List<DiffusionTrainer> sites = List.of(
                    new DiffusionTrainer(a, new PatientShard(0, 2).apply(TestData.nih(), train), val, 1),
                    new DiffusionTrainer(b, new PatientShard(1, 2).apply(TestData.nih(), train), val, 2));
            Weights global = a.model().emaWeights();
            double before = sites.get(0).evaluate(global, Map.of()).loss();
            List<Double> losses = new ArrayList<>();
            for (long round = 1; round <= 3; round++) {
                List<LocalTrainer.FitResult> fits = new ArrayList<>();
                for (DiffusionTrainer site : sites) {
                    Map<String, Object> cfg = new java.util.HashMap<>(FIT);
                    cfg.put("server_round", round);
                    fits.add(site.fit(global, Scalars.map(cfg)));
                }
                global = fedAvg(fits);
                losses.add(sites.get(0).evaluate(global, Map.of()).loss());
            }
            for (double l : losses) {
                assertTrue(l <= before, "validation loss " + before + " → " + losses);
            }
        }
    }

    @Test
    void eachUpdateReportsHowFarItMovedTheWeightsAgainstWhatItsTrainingCanExplain() throws Exception {
        try (TextToImagePipeline p = Checkpoint.load(CHECKPOINT)) {
            int s = p.model().config().imageSize();
            ImageTextDataset train = new PatientShard(0, 2).apply(TestData.nih(),
                    ImageTextDataset.load(TestData.nih(), "train", s, null));
            DiffusionTrainer site = new DiffusionTrainer(p, train, null, 3);
            Weights global = p.model().emaWeights();
            LocalTrainer.FitResult first = site.fit(global, Scalars.map(FIT));
            double rms = (Double) first.metrics().get("update_rms");
            assertEquals(DiffusionTrainer.rmsChange(global, first.weights()), rms, 1e-12, "the reported move is the real one");
            assertTrue(rms > 0);
            double ratio = (Double) first.metrics().get("update_rms_per_lr_step");
            assertEquals(rms / (1e-4 * 8), ratio, 1e-9);
            assertTrue(ratio < 1.0, "Adam moves a weight by at most about lr per step: " + ratio);
            // A weight changed behind training's back (here: one tensor shifted by 0.05) shows at once.
            Weights shifted = shift(first.weights(), 0.05f);
            double tampered = DiffusionTrainer.rmsChange(global, shifted) / (1e-4 * 8);
            assertTrue(tampered > 3.2, "beyond what 8 Adam steps can do: " + tampered);
        }
    }

    private static Weights shift(Weights w, float by) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            Tensor t = w.get(i);
            float[] v = t.toFloatArray();
            if (i == 0) {
                for (int k = 0; k < v.length; k++) {
                    v[k] += by;
                }
            }
            out.add(Tensor.ofFloats(t.name(), t.shape(), v));
        }
        return new Weights(out);
    }

    static Weights fedAvg(List<LocalTrainer.FitResult> fits) {
        long total = fits.stream().mapToLong(LocalTrainer.FitResult::numExamples).sum();
        Weights first = fits.get(0).weights();
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            float[] acc = new float[first.get(i).toFloatArray().length];
            for (LocalTrainer.FitResult f : fits) {
                float[] v = f.weights().get(i).toFloatArray();
                for (int k = 0; k < acc.length; k++) {
                    acc[k] += (float) ((double) f.numExamples() / total * v[k]);
                }
            }
            out.add(Tensor.ofFloats(first.get(i).name(), first.get(i).shape(), acc));
        }
        return new Weights(out);
    }
}
