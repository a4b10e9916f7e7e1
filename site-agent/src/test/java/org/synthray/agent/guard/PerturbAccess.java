package org.synthray.agent.guard;

/** {@link Perturb} for tests in other packages. */
public final class PerturbAccess {
    private PerturbAccess() {
    }

    public static float[] shift(float[] img, int size, int dx, int dy) {
        return Perturb.shift(img, size, dx, dy);
    }

    public static float[] noise(float[] img, double sigma, long seed) {
        return Perturb.noise(img, sigma, seed);
    }

    public static float[] contrast(float[] img, double gamma, double gain, double offset) {
        return Perturb.contrast(img, gamma, gain, offset);
    }

    public static float[] crop(float[] img, int size, int border) {
        return Perturb.crop(img, size, border);
    }
}
