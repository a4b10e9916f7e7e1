package org.synthray.agent.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.synthray.agent.dicom.DicomImage;
import org.synthray.agent.dicom.DicomImageReader;

/**
 * Turns an image file (PNG, JPEG, BMP, GIF, or a DICOM radiograph read with
 * {@link DicomImageReader}) of any size, bit depth and channel count into the model's input: one grey
 * channel, centre-cropped to a square, area-resized to {@code size}×{@code size}, scaled to [-1, 1].
 */
public final class ImagePreprocessor {
    private static final DicomImageReader DICOM = new DicomImageReader();
    /**
     * Largest image decoded: the same budget as DICOM ({@link DicomImageReader#MAX_PIXELS}). Checked
     * from the file's header before decoding: a PNG of a few megabytes can declare 40000×40000
     * pixels, which decoded and made grey would need gigabytes.
     */
    public static final long MAX_PIXELS = DicomImageReader.MAX_PIXELS;
    private final int size;

    public ImagePreprocessor(int size) {
        if (size < 4) {
            throw new IllegalArgumentException("image size must be at least 4, got " + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    /**
     * @throws IOException with the reason when the file is missing, unreadable or not an image
     */
    public float[] load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("file not found");
        }
        if (Files.size(file) == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        if (DicomImageReader.isDicom(file)) {
            // Rescale, VOI window and MONOCHROME1 inversion are applied by the reader; non-radiograph
            // modalities, compressed and broken files end in a DicomRejectedException with its reason.
            DicomImage d = DICOM.read(file);
            if (d.width() < 8 || d.height() < 8) {
                throw new IOException("image is only " + d.width() + "×" + d.height() + " pixels");
            }
            int side = Math.min(d.width(), d.height());
            return resizeArea(d.pixels(), d.width(), (d.width() - side) / 2, (d.height() - side) / 2, side, size);
        }
        return preprocess(decode(file));
    }

    /**
     * Decodes a PNG, JPEG, BMP or GIF. A decoder warning (a JPEG that ends early decodes as a grey
     * lower half, with only a warning) is treated as damage: a partial image is never used.
     */
    static BufferedImage decode(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open file");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not an image in a readable format (PNG, JPEG, BMP, GIF, DICOM)");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w * h > MAX_PIXELS) {
                    throw new IOException("image of " + w + "×" + h + " pixels: SynthRay reads up to "
                            + MAX_PIXELS + " pixels (8192×8192)");
                }
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new IOException("damaged " + reader.getFormatName().toUpperCase(java.util.Locale.ROOT)
                            + " file: " + warnings.get(0));
                }
                return img;
            } catch (IOException e) {
                throw e.getMessage() != null && (e.getMessage().startsWith("damaged ") || e.getMessage().startsWith("image of ")) ? e
                        : new IOException("damaged or truncated " + reader.getFormatName().toUpperCase(java.util.Locale.ROOT)
                                + " file: " + rootMessage(e));
            } catch (RuntimeException e) {
                throw new IOException("cannot decode image: " + rootMessage(e));
            } finally {
                reader.dispose();
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        String msg = e.toString();
        while (t != null) {
            if (t.getMessage() != null) {
                msg = t.getMessage();
            }
            t = t.getCause();
        }
        return msg;
    }

    /** Grey, crop, resize and normalise an already decoded image. */
    public float[] preprocess(BufferedImage img) throws IOException {
        int w = img.getWidth();
        int h = img.getHeight();
        if (w < 8 || h < 8) {
            throw new IOException("image is only " + w + "×" + h + " pixels");
        }
        float[] grey = grey(img);
        int side = Math.min(w, h);
        int x0 = (w - side) / 2;
        int y0 = (h - side) / 2;
        return resizeArea(grey, w, x0, y0, side, size);
    }

    /**
     * One grey value in [0, 1] per pixel, whatever the layout: 1 band (8 or 16 bit), grey + alpha,
     * RGB(A) (Rec. 601 luma), indexed colour.
     */
    static float[] grey(BufferedImage img) throws IOException {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] out = new float[w * h];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean indexed = img.getColorModel() instanceof java.awt.image.IndexColorModel;
        if (!indexed && (bands == 1 || bands == 2)) {
            double max = (1L << r.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (float) (r.getSample(x, y, 0) / max);
                }
            }
        } else if (!indexed && bands >= 3) {
            double mr = (1L << r.getSampleModel().getSampleSize(0)) - 1;
            double mg = (1L << r.getSampleModel().getSampleSize(1)) - 1;
            double mb = (1L << r.getSampleModel().getSampleSize(2)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (float) (0.299 * r.getSample(x, y, 0) / mr + 0.587 * r.getSample(x, y, 1) / mg
                            + 0.114 * r.getSample(x, y, 2) / mb);
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    out[y * w + x] = (float) ((0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff)
                            + 0.114 * (rgb & 0xff)) / 255.0);
                }
            }
        }
        return out;
    }

    /** Area-averaging resize of the square [x0, x0+side)×[y0, y0+side) to n×n, output in [-1, 1]. */
    public static float[] resizeArea(float[] src, int stride, int x0, int y0, int side, int n) {
        float[] out = new float[n * n];
        double scale = (double) side / n;
        for (int oy = 0; oy < n; oy++) {
            double sy0 = oy * scale;
            double sy1 = sy0 + scale;
            for (int ox = 0; ox < n; ox++) {
                double sx0 = ox * scale;
                double sx1 = sx0 + scale;
                double acc = 0;
                double wsum = 0;
                for (int y = (int) Math.floor(sy0); y < Math.min(side, (int) Math.ceil(sy1)); y++) {
                    double wy = Math.min(sy1, y + 1) - Math.max(sy0, y);
                    for (int x = (int) Math.floor(sx0); x < Math.min(side, (int) Math.ceil(sx1)); x++) {
                        double wx = Math.min(sx1, x + 1) - Math.max(sx0, x);
                        acc += wx * wy * src[(y0 + y) * stride + x0 + x];
                        wsum += wx * wy;
                    }
                }
                out[oy * n + ox] = (float) (acc / wsum * 2 - 1);
            }
        }
        return out;
    }
}
