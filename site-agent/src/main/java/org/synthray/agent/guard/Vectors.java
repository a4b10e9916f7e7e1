package org.synthray.agent.guard;

import org.synthray.agent.data.ImagePreprocessor;

/** The vectors the guard compares: downscaled, standardised pixels and centred classifier features. */
public final class Vectors {
    /** Side of the pixel thumbnails compared. */
    public static final int THUMB = 24;

    /** Side of the central region of a 64 px image that training thumbnails are made of. */
    public static final int REGION = 48;
    /** Sides of the query regions tried (a copy zoomed by up to 64/54 still lines up). */
    static final int[] QUERY_SIDES = {48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58};
    /** Query regions are also moved by up to this many pixels in x and y. */
    static final int SHIFT = 2;
    /** The size images are brought to before thumbnails are taken. */
    public static final int GUARD_SIZE = 64;

    private Vectors() {
    }

    /** Variants tried per query image. */
    public static int variantCount() {
        return QUERY_SIDES.length * (2 * SHIFT + 1) * (2 * SHIFT + 1);
    }

    /** An image ([-1, 1], size²) brought to {@link #GUARD_SIZE}² (area resize; a copy when it already is). */
    static float[] toGuardSize(float[] images, int offset, int size) {
        float[] one = java.util.Arrays.copyOfRange(images, offset, offset + size * size);
        if (size == GUARD_SIZE) {
            return one;
        }
        return ImagePreprocessor.resizeArea(one, size, 0, 0, size, GUARD_SIZE);
    }

    /**
     * Reference thumbnails: the central {@link #REGION}² of each image (at {@link #GUARD_SIZE}),
     * area-resized to {@link #THUMB}², zero-mean and unit-length.
     */
    public static float[] references(float[] images, int n, int size) {
        int d = THUMB * THUMB;
        float[] out = new float[n * d];
        int off = (GUARD_SIZE - REGION) / 2;
        for (int i = 0; i < n; i++) {
            float[] g = toGuardSize(images, i * size * size, size);
            System.arraycopy(ImagePreprocessor.resizeArea(g, GUARD_SIZE, off, off, REGION, THUMB), 0, out, i * d, d);
        }
        standardise(out, n, d);
        return out;
    }

    /**
     * Query thumbnails: for each image, {@link #variantCount()} regions (sides {@link #QUERY_SIDES},
     * centres moved by up to {@link #SHIFT} pixels) resized like the references, so a copy that was
     * shifted, cropped or zoomed a little lines up with its original in one of them.
     */
    public static float[] queries(float[] images, int n, int size) {
        int d = THUMB * THUMB;
        int v = variantCount();
        float[] out = new float[n * v * d];
        for (int i = 0; i < n; i++) {
            float[] g = toGuardSize(images, i * size * size, size);
            int k = 0;
            for (int side : QUERY_SIDES) {
                int base = (GUARD_SIZE - side) / 2;
                for (int dy = -SHIFT; dy <= SHIFT; dy++) {
                    for (int dx = -SHIFT; dx <= SHIFT; dx++) {
                        int x0 = Math.max(0, Math.min(GUARD_SIZE - side, base + dx));
                        int y0 = Math.max(0, Math.min(GUARD_SIZE - side, base + dy));
                        float[] t = ImagePreprocessor.resizeArea(g, GUARD_SIZE, x0, y0, side, THUMB);
                        System.arraycopy(t, 0, out, (i * v + k) * d, d);
                        k++;
                    }
                }
            }
        }
        standardise(out, n * v, d);
        return out;
    }

    /**
     * Thumbnails of {@code n} images ({@code size × size}, any scale): area-downscaled to
     * {@link #THUMB}², then each made zero-mean and unit-length, so the dot product of two is their
     * normalised cross-correlation (brightness and contrast changes do not change it).
     */
    public static float[] thumbnails(float[] images, int n, int size) {
        int d = THUMB * THUMB;
        float[] out = new float[n * d];
        float[] one = new float[size * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(images, i * size * size, one, 0, size * size);
            float[] t = ImagePreprocessor.resizeArea(one, size, 0, 0, size, THUMB);
            System.arraycopy(t, 0, out, i * d, d);
        }
        standardise(out, n, d);
        return out;
    }

    /** Makes each row zero-mean and unit-length (a constant row becomes zeros). */
    public static void standardise(float[] v, int n, int d) {
        for (int i = 0; i < n; i++) {
            double mean = 0;
            for (int k = 0; k < d; k++) {
                mean += v[i * d + k];
            }
            mean /= d;
            for (int k = 0; k < d; k++) {
                v[i * d + k] -= (float) mean;
            }
        }
        normalise(v, n, d);
    }

    /** Scales each row to unit length. */
    public static void normalise(float[] v, int n, int d) {
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int k = 0; k < d; k++) {
                ss += (double) v[i * d + k] * v[i * d + k];
            }
            float inv = ss > 1e-20 ? (float) (1 / Math.sqrt(ss)) : 0f;
            for (int k = 0; k < d; k++) {
                v[i * d + k] *= inv;
            }
        }
    }

    /** Mean of the rows. */
    public static float[] mean(float[] v, int n, int d) {
        double[] m = new double[d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                m[k] += v[i * d + k];
            }
        }
        float[] out = new float[d];
        for (int k = 0; k < d; k++) {
            out[k] = (float) (m[k] / Math.max(1, n));
        }
        return out;
    }

    /** Subtracts {@code center} from each row, then scales each row to unit length (in place). */
    public static void center(float[] v, int n, int d, float[] center) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                v[i * d + k] -= center[k];
            }
        }
        normalise(v, n, d);
    }

    /** Row-major float copy of a double matrix. */
    public static float[] flatten(double[][] m) {
        int d = m.length == 0 ? 0 : m[0].length;
        float[] out = new float[m.length * d];
        for (int i = 0; i < m.length; i++) {
            for (int k = 0; k < d; k++) {
                out[i * d + k] = (float) m[i][k];
            }
        }
        return out;
    }
}
