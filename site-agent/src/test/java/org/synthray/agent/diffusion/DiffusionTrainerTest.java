package org.synthray.agent.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.agent.TestData;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.flower.Scalars;
import org.synthray.tensor.Weights;

class DiffusionTrainerTest {
    @Test
    void fitTrainsFromTheGlobalWeightsAndEvaluateGivesAValidationLoss() throws Exception {
        ModelConfig cfg = ModelConfig.named("tiny");
        ImageTextDataset all = ImageTextDataset.load(TestData.nih(), "train", cfg.imageSize(), null);
        List<Integer> first = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            first.add(i);
        }
        ImageTextDataset train = all.select(first, List.of());
        ImageTextDataset val = ImageTextDataset.load(TestData.nih(), "val", cfg.imageSize(), null)
                .select(List.of(0, 1, 2, 3, 4, 5, 6, 7), List.of());
        ByteBpeTokenizer tok = ByteBpeTokenizer.train(train.texts(), 400);
        List<Long> rounds = new ArrayList<>();
        try (TextToImagePipeline pipe = new TextToImagePipeline(DiffusionModel.create(cfg, 5), tok)) {
            DiffusionTrainer trainer = new DiffusionTrainer(pipe, train, val, 9, round -> {
                rounds.add(round);
                return null;
            });
            Weights global = trainer.initialWeights();
            assertEquals(global.names(), trainer.tensorNames());

            var fit = trainer.fit(global, Scalars.map(Map.of("local_steps", 4L, "lr", 1e-3, "proximal_mu", 0.01,
                    "batch_size", 8L)));
            assertEquals(24, fit.numExamples());
            assertEquals(List.of(1L), rounds, "a server that sends no server_round (stock Flower) is in round 1, not 0");
            trainer.fit(global, Scalars.map(Map.of("local_steps", 1L, "batch_size", 8L, "server_round", 7L)));
            trainer.fit(global, Scalars.map(Map.of("local_steps", 1L, "batch_size", 8L)));
            assertEquals(List.of(1L, 7L, 3L), rounds, "the server's round when it sends one, else the count of FitIns");
            assertEquals(4L, fit.metrics().get("steps"));
            assertTrue((Double) fit.metrics().get("train_loss") > 0);
            assertTrue((Double) fit.metrics().get("images_per_s") > 0);
            assertEquals(null, global.incompatibility(fit.weights()));
            assertFalse(fit.weights().contentEquals(global), "local training changed the weights");

            var ev1 = trainer.evaluate(global, Map.of());
            var ev2 = trainer.evaluate(global, Map.of());
            assertEquals(8, ev1.numExamples());
            assertTrue(Double.isFinite(ev1.loss()) && ev1.loss() > 0);
            assertEquals(ev1.loss(), ev2.loss(), 1e-9, "validation loss is deterministic");

            Weights broken = new Weights(global.tensors().subList(1, global.size()));
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(broken, Map.of()));
            assertTrue(e.getMessage().contains("another config"), e.getMessage());
        }
    }
}
