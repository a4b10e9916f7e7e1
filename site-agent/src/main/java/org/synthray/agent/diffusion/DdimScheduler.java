package org.synthray.agent.diffusion;

/**
 * Deterministic DDIM (η = 0; Song et al. 2021), like diffusers' {@code DDIMScheduler}: from the
 * clipped x₀ estimate and the ε it implies, x_prev = √ᾱ_prev·x₀ + √(1−ᾱ_prev)·ε. First order: one
 * model call per step and no memory between steps.
 */
public final class DdimScheduler extends TimestepScheduler {
    public DdimScheduler(NoiseSchedule schedule, String prediction) {
        super(schedule, prediction);
    }

    @Override
    public String name() {
        return "ddim";
    }

    @Override
    public float[] step(float[] modelOutput, int t, float[] sample) {
        int k = advance(t);
        double a = schedule.signal(t);
        double s = schedule.noise(t);
        int prev = after(k);
        double aPrev = signal(prev);
        double sPrev = noise(prev);
        float[] x = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            double xt = sample[i];
            double x0 = cleanEstimate(xt, modelOutput[i], a, s);
            double eps = (xt - a * x0) / s;
            x[i] = (float) (aPrev * x0 + sPrev * eps);
        }
        return x;
    }
}
