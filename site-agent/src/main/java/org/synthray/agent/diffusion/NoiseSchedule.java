package org.synthray.agent.diffusion;

/**
 * The cosine schedule of Nichol &amp; Dhariwal (2021): ᾱ(t) = cos²((t/T + s)/(1 + s) · π/2), with each
 * step's β clipped at 0.999. The model predicts v = √ᾱ·ε − √(1−ᾱ)·x₀ by default, which stays well
 * conditioned at t = T−1, where the x₀ estimate of an ε-model explodes.
 */
public final class NoiseSchedule {
    private static final double S = 0.008;
    private final double[] alphaBar;

    public NoiseSchedule(int timesteps) {
        alphaBar = new double[timesteps];
        double prev = 1.0;
        for (int t = 0; t < timesteps; t++) {
            double beta = Math.min(1 - f(t + 1, timesteps) / f(t, timesteps), 0.999);
            prev = prev * (1 - beta);
            alphaBar[t] = prev;
        }
    }

    private static double f(int t, int T) {
        double c = Math.cos(((double) t / T + S) / (1 + S) * Math.PI / 2);
        return c * c;
    }

    public int timesteps() {
        return alphaBar.length;
    }

    /** ᾱ at step t (0-based; t = 0 is almost clean). */
    public double alphaBar(int t) {
        return alphaBar[t];
    }

    /** √ᾱ: the weight of the clean image in x_t. */
    public double signal(int t) {
        return Math.sqrt(alphaBar[t]);
    }

    /** √(1−ᾱ): the weight of the noise in x_t. */
    public double noise(int t) {
        return Math.sqrt(1 - alphaBar[t]);
    }
}
