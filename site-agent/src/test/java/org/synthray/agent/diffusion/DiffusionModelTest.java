package org.synthray.agent.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.agent.text.PromptTokens;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;

/** The tiny config: seconds on CPU. One model is shared where tests only read it. */
class DiffusionModelTest {
    static final ModelConfig TINY = ModelConfig.named("tiny");
    static final ByteBpeTokenizer TOK = ByteBpeTokenizer.bytesOnly();
    static DiffusionModel shared;

    @BeforeAll
    static void build() {
        // Zero-initialised layers (the output conv among them) get random values too, so that the
        // untrained model's output depends on its inputs, prompt included.
        shared = DiffusionModel.create(TINY, 7);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        List<org.synthray.tensor.Tensor> ts = new java.util.ArrayList<>();
        for (org.synthray.tensor.Tensor t : shared.weights()) {
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (0.05 * DiffusionModel.gaussian(r));
            }
            ts.add(org.synthray.tensor.Tensor.ofFloats(t.name(), t.shape(), v));
        }
        shared.setWeights(new Weights(ts));
    }

    @AfterAll
    static void close() {
        shared.close();
    }

    static PromptTokens prompts(DiffusionModel m, String... texts) {
        int[][] enc = new int[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            enc[i] = TOK.encode(texts[i]);
        }
        return PromptTokens.of(enc, m.config().text());
    }

    static float[] pattern(int b, int s, int variant) {
        float[] x = new float[b * s * s];
        for (int i = 0; i < b; i++) {
            for (int y = 0; y < s; y++) {
                for (int xx = 0; xx < s; xx++) {
                    x[(i * s + y) * s + xx] = (float) Math.tanh(Math.sin(0.7 * xx + i + variant) + Math.cos(0.5 * y));
                }
            }
        }
        return x;
    }

    @Test
    void shapesAndWeightNamesAreStable() {
        int s = TINY.imageSize();
        Weights w = shared.weights();
        assertEquals(shared.parameters().size(), w.size());
        assertEquals("text.token_embedding", w.get(0).name());
        assertArrayEquals(new int[] {TINY.text().vocabSize(), TINY.text().dim()}, w.get(0).shape());
        assertTrue(w.names().contains("unet.conv_out.w"));
        assertEquals(shared.parameterCount(), w.parameterCount());
        assertTrue(shared.flopsPerImage() > 1e6);
        try (var enc = shared.encode(prompts(shared, "a", "bb", "ccc"))) {
            float[] out = shared.predict(new float[3 * s * s], new int[] {0, 500, 999}, enc);
            assertEquals(3 * s * s, out.length);
            assertEquals(3 * TINY.text().chunkLength() * TINY.text().dim(), enc.features().length);
        }
    }

    @Test
    void aFewStepsLowerTheLossOnAFixedBatch() {
        try (DiffusionModel m = DiffusionModel.create(TINY, 1)) {
            int b = 8;
            int s = TINY.imageSize();
            float[] x0 = pattern(b, s, 0);
            float[] noise = pattern(b, s, 3);
            int[] t = {10, 100, 200, 300, 400, 500, 600, 700};
            PromptTokens p = prompts(m, "a", "b", "c", "d", "e", "f", "g", "h");
            double first = m.trainStep(x0, noise, t, p, 2e-3, 0).loss();
            double last = first;
            for (int i = 0; i < 40; i++) {
                last = m.trainStep(x0, noise, t, p, 2e-3, 0).loss();
            }
            assertTrue(last < 0.5 * first, "loss " + first + " → " + last);
        }
    }

    @Test
    void sameSeedSameWeightsAndSamples() {
        try (DiffusionModel a = DiffusionModel.create(TINY, 11)) {
            assertEquals(a.weights().sha256(), a.initialWeights(11).sha256());
            assertNotEquals(a.weights().sha256(), a.initialWeights(12).sha256());
            DiffusionModel b = a;
            SamplingSettings sampler = SamplingSettings.ddim(8, 2.0);
            PromptTokens p = prompts(a, "PA chest x-ray: effusion", "no finding");
            PromptTokens u = prompts(a, "", "");
            float[] s1 = TextToImagePipeline.sample(a, p, u, new long[] {5, 6}, sampler, null);
            float[] s2 = TextToImagePipeline.sample(b, p, u, new long[] {5, 6}, sampler, null);
            assertArrayEquals(s1, s2);
            float[] s3 = TextToImagePipeline.sample(a, p, u, new long[] {5, 7}, sampler, null);
            int px = TINY.imageSize() * TINY.imageSize();
            assertArrayEquals(java.util.Arrays.copyOf(s1, px), java.util.Arrays.copyOf(s3, px),
                    "image 0 depends on its own seed only");
            assertFalse(java.util.Arrays.equals(s1, s3), "another seed, another image");
        }
    }

    @Test
    void checkpointRoundTripSamplesIdentically(@TempDir Path dir) throws Exception {
        ByteBpeTokenizer tok = ByteBpeTokenizer.train(List.of("pa chest x-ray no finding", "pa chest x-ray effusion"), 300);
        try (DiffusionModel m = DiffusionModel.create(TINY, 3)) {
            int s = TINY.imageSize();
            PromptTokens p = prompts(m, "x", "y", "z", "w");
            for (int i = 0; i < 3; i++) {
                m.trainStep(pattern(4, s, i), pattern(4, s, i + 5), new int[] {1, 300, 600, 900}, p, 1e-3, 0);
            }
            TextToImagePipeline pipe = new TextToImagePipeline(m, tok);
            SamplingSettings sampler = SamplingSettings.ddim(6, 3.0);
            List<String> prompts = List.of("pa chest x-ray effusion", "anything at all");
            float[] before = pipe.generate(prompts, new long[] {1, 2}, sampler, 2, null);
            Checkpoint.save(dir.resolve("m32"), m, tok, false, java.util.Map.of("note", "test"));
            Checkpoint.save(dir.resolve("m16"), m, tok, true, java.util.Map.of());
            // The .npz holds the named tensors in model order.
            Weights onDisk = Npz.read(dir.resolve("m32").resolve(Checkpoint.WEIGHTS));
            assertEquals(m.emaWeights().names(), onDisk.names());
            try (TextToImagePipeline back = Checkpoint.load(dir.resolve("m32"))) {
                assertEquals(TINY, back.model().config());
                assertArrayEquals(before, back.generate(prompts, new long[] {1, 2}, sampler, 2, null));
            }
            try (TextToImagePipeline half = Checkpoint.load(dir.resolve("m16"))) {
                float[] h = half.generate(prompts, new long[] {1, 2}, sampler, 2, null);
                double maxDiff = 0;
                for (int i = 0; i < h.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(h[i] - before[i]));
                }
                assertTrue(maxDiff < 0.1, "float16 weights sample nearly the same images, max diff " + maxDiff);
            }
        }
    }

    @Test
    void promptsThatDifferOnlyAfterToken77ConditionDifferently() {
        String common = "PA chest x-ray of a 60-year-old male. ".repeat(3); // 114 bytes → tokens 1..114
        String a = common + "Large right pleural effusion.";
        String b = common + "Heart size is enlarged, no effusion.";
        int[] ta = TOK.encode(a);
        int[] tb = TOK.encode(b);
        for (int i = 0; i < 100; i++) {
            assertEquals(ta[i], tb[i], "identical up to token 100");
        }
        int s = TINY.imageSize();
        try (var ea = shared.encode(prompts(shared, a)); var eb = shared.encode(prompts(shared, b))) {
            float[] fa = ea.features();
            float[] fb = eb.features();
            assertTrue(fa.length > 77 * TINY.text().dim(), "encoded whole, not cut at 77 tokens");
            float[] x = pattern(1, s, 1);
            float[] pa = shared.predict(x, new int[] {500}, ea);
            float[] pb = shared.predict(x, new int[] {500}, eb);
            assertFalse(java.util.Arrays.equals(pa, pb), "the denoiser sees the tokens after 77");
        }
    }

    @Test
    void aReportOfOver512TokensIsEncodedWhole() {
        String report = "Findings: the cardiomediastinal silhouette is within normal limits. ".repeat(9);
        int[] ids = TOK.encode(report);
        assertTrue(ids.length > 512, "" + ids.length);
        try (var e = shared.encode(prompts(shared, report))) {
            int chunks = (ids.length + TINY.text().chunkLength() - 1) / TINY.text().chunkLength();
            assertEquals(chunks * TINY.text().chunkLength() * TINY.text().dim(), e.features().length);
        }
    }

    @Test
    void weightsOfAnotherConfigAreRejectedClearly() {
        ModelConfig other = new ModelConfig("tiny-wide", 16, 1, new int[] {32, 32}, 1, new boolean[] {false, true}, 16,
                4, TINY.text(), 1000, "v", 0.1, 0.99, 1e-3, 8, 1.0);
        try (DiffusionModel o = DiffusionModel.create(other, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> shared.setWeights(o.weights()));
            assertTrue(e.getMessage().contains("another config"), e.getMessage());
        }
    }

    @Test
    void setWeightsThenWeightsRoundTripsAndProximalTermPullsBack() {
        try (DiffusionModel m = DiffusionModel.create(TINY, 21)) {
            Weights w0 = m.weights();
            m.setWeights(w0);
            assertTrue(m.weights().contentEquals(w0));
            assertTrue(m.emaWeights().contentEquals(w0));
            int s = TINY.imageSize();
            PromptTokens p = prompts(m, "a", "b", "c", "d");
            int[] t = {100, 300, 500, 700};
            double free = drift(m, w0, p, t, s, 0);
            m.setWeights(w0);
            double prox = drift(m, w0, p, t, s, 1000);
            assertTrue(prox < 0.7 * free, "FedProx keeps weights nearer the reference: " + prox + " vs " + free);
        }
    }

    private static double drift(DiffusionModel m, Weights ref, PromptTokens p, int[] t, int s, double mu) {
        for (int i = 0; i < 15; i++) {
            var r = m.trainStep(pattern(4, s, i), pattern(4, s, i + 9), t, p, 1e-3, mu);
            if (mu == 0) {
                assertEquals(0.0, r.prox());
            }
        }
        Weights w = m.weights();
        double d = 0;
        for (int i = 0; i < w.size(); i++) {
            float[] a = w.get(i).toFloatArray();
            float[] b = ref.get(i).toFloatArray();
            for (int k = 0; k < a.length; k++) {
                d += (a[k] - b[k]) * (a[k] - b[k]);
            }
        }
        return d;
    }
}
