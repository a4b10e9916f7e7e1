package org.synthray.agent.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.synthray.agent.text.PromptTokens;

class SchedulerTest {
    static final NoiseSchedule COSINE = new NoiseSchedule(1000);
    static DiffusionModel model;

    @BeforeAll
    static void trainABit() {
        // A few steps away from initialisation so the output depends on prompt, timestep and image.
        model = DiffusionModel.create(DiffusionModelTest.TINY, 21);
        int s = DiffusionModelTest.TINY.imageSize();
        PromptTokens p = DiffusionModelTest.prompts(model, "pa effusion", "ap no finding", "pa", "");
        for (int i = 0; i < 4; i++) {
            model.trainStep(DiffusionModelTest.pattern(4, s, i), DiffusionModelTest.pattern(4, s, i + 3),
                    new int[] {5, 250, 500, 990}, p, 2e-3, 0);
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void ddimThroughStepGivesTheImagesOfTheSamplerItReplaced() {
        PromptTokens p = DiffusionModelTest.prompts(model, "PA chest x-ray: effusion", "AP chest x-ray: no finding", "x");
        PromptTokens u = DiffusionModelTest.prompts(model, "", "", "");
        long[] seeds = {3, 4, 5};
        for (double guidance : new double[] {1.0, 3.0}) {
            float[] before = FrozenDdimSampler.sample(model, p, u, seeds, 12, guidance);
            float[] after = TextToImagePipeline.sample(model, p, u, seeds, SamplingSettings.ddim(12, guidance), null);
            assertArrayEquals(before, after, "guidance " + guidance);
        }
    }

    @Test
    void ddimVisitsEvenlySpacedTimestepsFromTheLastToZero() {
        Scheduler s = SamplingSettings.Kind.DDIM.create(COSINE, "v");
        s.setTimesteps(50);
        int[] ts = s.timesteps();
        assertEquals(50, ts.length);
        assertEquals(999, ts[0]);
        assertEquals(979, ts[1]);
        assertEquals(0, ts[49]);
        s.setTimesteps(5000);
        assertEquals(1000, s.timesteps().length, "at most one step per timestep");
    }

    @Test
    void dpmSolverVisitsTimestepsEvenlySpacedInLogSnr() {
        Scheduler s = SamplingSettings.Kind.DPMPP_2M.create(COSINE, "v");
        for (int n : new int[] {2, 15, 20, 300, 5000}) {
            s.setTimesteps(n);
            int[] ts = s.timesteps();
            assertEquals(Math.min(n, ts[0] + 1), ts.length, n + " steps");
            assertEquals(0, ts[ts.length - 1]);
            assertTrue(lambda(ts[0]) >= DpmSolverScheduler.LAMBDA_MIN && lambda(ts[0] + 1) < DpmSolverScheduler.LAMBDA_MIN,
                    "starts at the noisiest timestep with λ ≥ λ_min");
            for (int i = 1; i < ts.length; i++) {
                assertTrue(ts[i] < ts[i - 1], "strictly decreasing at " + i + " of " + n);
            }
        }
        s.setTimesteps(20);
        int[] ts = s.timesteps();
        double step = (lambda(0) - lambda(ts[0])) / 19;
        for (int i = 1; i < ts.length; i++) {
            assertEquals(step, lambda(ts[i]) - lambda(ts[i - 1]), 0.25 * step, "λ step " + i);
        }
    }

    private static double lambda(int t) {
        return Math.log(COSINE.signal(t) / COSINE.noise(t));
    }

    @Test
    void theModelIsCalledOncePerStepAndTheSchedulerRefusesStepsOutOfOrder() {
        PromptTokens p = DiffusionModelTest.prompts(model, "pa effusion");
        PromptTokens u = DiffusionModelTest.prompts(model, "");
        for (int steps : new int[] {1, 7, 15}) {
            AtomicInteger calls = new AtomicInteger();
            TextToImagePipeline.sample(model, p, u, new long[] {1},
                    new SamplingSettings(SamplingSettings.Kind.DPMPP_2M, steps, 2.0), k -> calls.incrementAndGet());
            assertEquals(steps, calls.get());
        }
        Scheduler s = SamplingSettings.Kind.DPMPP_2M.create(COSINE, "v");
        s.setTimesteps(3);
        int[] ts = s.timesteps();
        float[] x = {0.1f, -0.2f};
        assertThrows(IllegalStateException.class, () -> s.step(x, ts[1], x), "not the first timestep");
        float[] y = s.step(x, ts[0], x);
        y = s.step(y, ts[1], y);
        float[] z = s.step(y, ts[2], y);
        assertThrows(IllegalStateException.class, () -> s.step(z, 0, z), "no fourth step");
        s.setTimesteps(3);
        assertEquals(2, s.step(x, ts[0], x).length, "setTimesteps starts over");
    }

    @Test
    void dpmSolverIsDeterministicAndEachImageDependsOnItsOwnSeedOnly() {
        SamplingSettings dpm = new SamplingSettings(SamplingSettings.Kind.DPMPP_2M, 10, 3.0);
        PromptTokens p2 = DiffusionModelTest.prompts(model, "PA chest x-ray: effusion", "no finding");
        PromptTokens u2 = DiffusionModelTest.prompts(model, "", "");
        float[] a = TextToImagePipeline.sample(model, p2, u2, new long[] {8, 9}, dpm, null);
        float[] b = TextToImagePipeline.sample(model, p2, u2, new long[] {8, 9}, dpm, null);
        assertArrayEquals(a, b);
        float[] alone = TextToImagePipeline.sample(model, DiffusionModelTest.prompts(model, "PA chest x-ray: effusion"),
                DiffusionModelTest.prompts(model, ""), new long[] {8}, dpm, null);
        assertArrayEquals(alone, Arrays.copyOf(a, alone.length), "batch neighbours do not matter");
        float[] ddim = TextToImagePipeline.sample(model, p2, u2, new long[] {8, 9}, SamplingSettings.ddim(10, 3.0), null);
        assertFalse(Arrays.equals(a, ddim), "a second-order solver takes another path than DDIM");
    }

    @Test
    void dpmSolverTakesAFirstOrderDdimStepFirstAndEndsOnTheCleanEstimate() {
        float[] x = randomImage(1, 64);
        float[] out = randomImage(2, 64);
        Scheduler dpm = SamplingSettings.Kind.DPMPP_2M.create(COSINE, "v");
        dpm.setTimesteps(10);
        int t = dpm.timesteps()[0];
        int prev = dpm.timesteps()[1];
        float[] b = dpm.step(out, t, x);
        for (int i = 0; i < x.length; i++) {
            double x0 = Math.max(-1, Math.min(1, COSINE.signal(t) * x[i] - COSINE.noise(t) * out[i]));
            double eps = (x[i] - COSINE.signal(t) * x0) / COSINE.noise(t);
            assertEquals(COSINE.signal(prev) * x0 + COSINE.noise(prev) * eps, b[i], 1e-5, "pixel " + i);
        }
        dpm.setTimesteps(1);
        t = dpm.timesteps()[0];
        float[] one = dpm.step(out, t, x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Math.max(-1, Math.min(1, COSINE.signal(t) * x[i] - COSINE.noise(t) * out[i])), one[i], 1e-6,
                    "one step returns x0");
        }
    }

    /**
     * With Gaussian data x₀ ~ N(0, c²) the ideal denoiser is known in closed form and the probability-flow
     * ODE has the exact solution x₀ = x_T·c/√(ᾱ_T·c² + 1 − ᾱ_T) from the first timestep T: the distance to
     * it is the solver's own error.
     */
    @Test
    void dpmSolverAt15StepsIsCloserToTheExactOdeSolutionThanDdimAt50() {
        double c = 0.25; // so that x₀ stays inside the clipping range [−1, 1]
        float[] xT = randomImage(5, 256);
        double ddim15 = odeError(SamplingSettings.Kind.DDIM, 15, xT, c);
        double ddim50 = odeError(SamplingSettings.Kind.DDIM, 50, xT, c);
        double dpm15 = odeError(SamplingSettings.Kind.DPMPP_2M, 15, xT, c);
        double dpm20 = odeError(SamplingSettings.Kind.DPMPP_2M, 20, xT, c);
        assertTrue(ddim50 < ddim15, "more DDIM steps, less error: " + ddim15 + " → " + ddim50);
        assertTrue(dpm15 < 0.7 * ddim50, "DPM-Solver++ 15 steps " + dpm15 + " vs DDIM 50 steps " + ddim50);
        assertTrue(dpm20 < dpm15, "second order converges: " + dpm15 + " → " + dpm20);
    }

    private static double odeError(SamplingSettings.Kind kind, int steps, float[] xT, double c) {
        Scheduler s = kind.create(COSINE, "v");
        s.setTimesteps(steps);
        double start = COSINE.alphaBar(s.timesteps()[0]);
        double scale = c / Math.sqrt(start * c * c + 1 - start);
        float[] x = xT.clone();
        for (int t : s.timesteps()) {
            double a = COSINE.signal(t);
            double sg = COSINE.noise(t);
            float[] v = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                double x0 = a * c * c * x[i] / (a * a * c * c + sg * sg);
                double eps = (x[i] - a * x0) / sg;
                v[i] = (float) (a * eps - sg * x0);
            }
            x = s.step(v, t, x);
        }
        double err = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - xT[i] * scale;
            err += d * d;
        }
        return Math.sqrt(err / x.length);
    }

    private static float[] randomImage(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) DiffusionModel.gaussian(r);
        }
        return x;
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SamplingSettings.ddim(0, 3));
        assertThrows(IllegalArgumentException.class, () -> SamplingSettings.ddim(10, -1));
        var e = assertThrows(IllegalArgumentException.class, () -> SamplingSettings.Kind.parse("euler"));
        assertTrue(e.getMessage().contains("dpm++2m") && e.getMessage().contains("ddim"), e.getMessage());
        assertEquals(SamplingSettings.Kind.DPMPP_2M, SamplingSettings.Kind.parse(" DPM++2M "));
    }

    @Test
    void cosineScheduleGoesFromCleanToNoise() {
        assertTrue(COSINE.alphaBar(0) > 0.999);
        assertTrue(COSINE.alphaBar(999) < 1e-3);
        for (int t = 1; t < 1000; t++) {
            assertTrue(COSINE.alphaBar(t) < COSINE.alphaBar(t - 1));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.named("gpu512"));
        assertTrue(e.getMessage().contains("tiny"), e.getMessage());
    }
}
