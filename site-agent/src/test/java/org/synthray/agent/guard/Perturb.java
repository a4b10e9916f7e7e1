package org.synthray.agent.guard;

import java.util.SplittableRandom;
import org.synthray.agent.data.ImagePreprocessor;

/** Light changes of an image ([-1, 1], size × size) that must not get a copy past the guard. */
final class Perturb {
    private Perturb() {
    }

    static float clamp(double v) {
        return (float) Math.max(-1, Math.min(1, v));
    }

    /** Shifted by (dx, dy) pixels, the edge repeated. */
    static float[] shift(float[] img, int size, int dx, int dy) {
        float[] out = new float[size * size];
        for (int y = 0; y < size; y++) {
            int sy = Math.min(size - 1, Math.max(0, y - dy));
            for (int x = 0; x < size; x++) {
                int sx = Math.min(size - 1, Math.max(0, x - dx));
                out[y * size + x] = img[sy * size + sx];
            }
        }
        return out;
    }

    /** Gaussian noise of standard deviation {@code sigma} (on the [-1, 1] scale). */
    static float[] noise(float[] img, double sigma, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) {
            double g = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
            out[i] = clamp(img[i] + sigma * g);
        }
        return out;
    }

    /** Contrast and brightness: gamma on the [0, 1] scale, then a linear stretch. */
    static float[] contrast(float[] img, double gamma, double gain, double offset) {
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) {
            double v = Math.pow((img[i] + 1) / 2, gamma);
            out[i] = clamp(((v - 0.5) * gain + 0.5 + offset) * 2 - 1);
        }
        return out;
    }

    /** The centre crop without {@code border} pixels on each side, resized back to size × size. */
    static float[] crop(float[] img, int size, int border) {
        float[] unit = new float[img.length];
        for (int i = 0; i < img.length; i++) {
            unit[i] = (img[i] + 1) / 2;
        }
        return ImagePreprocessor.resizeArea(unit, size, border, border, size - 2 * border, size);
    }
}
