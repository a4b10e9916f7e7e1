package org.synthray.agent.dicom;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;

/**
 * A radiograph read from DICOM, ready for display-like use: grey values in [0, 1], row by row from
 * the top left, 0 black and 1 white as a viewer would show it (after rescale, the VOI window and
 * MONOCHROME1 inversion). Also says how it got there, for logs and checks.
 */
public final class DicomImage {

    /** Where the grey mapping came from. */
    public enum Voi {
        /** The file's first Window Center/Width, with its VOI LUT Function. */
        WINDOW,
        /** The file's first VOI LUT Sequence item (used when it has no window). */
        VOI_LUT,
        /** Neither: the image's own smallest value maps to 0 and its largest to 1. */
        PIXEL_RANGE
    }

    private final int width;
    private final int height;
    private final float[] pixels;
    private final String modality;
    private final String photometricInterpretation;
    private final int bitsAllocated;
    private final int bitsStored;
    private final boolean signed;
    private final double rescaleSlope;
    private final double rescaleIntercept;
    private final Voi voi;
    private final double windowCenter;
    private final double windowWidth;
    private final String transferSyntaxUid;

    DicomImage(int width, int height, float[] pixels, String modality, String photometricInterpretation,
            int bitsAllocated, int bitsStored, boolean signed, double rescaleSlope, double rescaleIntercept, Voi voi,
            double windowCenter, double windowWidth, String transferSyntaxUid) {
        this.width = width;
        this.height = height;
        this.pixels = pixels;
        this.modality = modality;
        this.photometricInterpretation = photometricInterpretation;
        this.bitsAllocated = bitsAllocated;
        this.bitsStored = bitsStored;
        this.signed = signed;
        this.rescaleSlope = rescaleSlope;
        this.rescaleIntercept = rescaleIntercept;
        this.voi = voi;
        this.windowCenter = windowCenter;
        this.windowWidth = windowWidth;
        this.transferSyntaxUid = transferSyntaxUid;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The grey values in [0, 1], {@code width * height} of them, row-major (a copy). */
    public float[] pixels() {
        return pixels.clone();
    }

    /** The grey value in [0, 1] at column {@code x}, row {@code y}. */
    public float pixel(int x, int y) {
        if (x < 0 || x >= width || y < 0 || y >= height) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
        }
        return pixels[y * width + x];
    }

    /** Modality (0008,0060) as written in the file, e.g. {@code CR} or {@code DX}. */
    public String modality() {
        return modality;
    }

    /** {@code MONOCHROME1} (inverted on reading) or {@code MONOCHROME2}. */
    public String photometricInterpretation() {
        return photometricInterpretation;
    }

    public int bitsAllocated() {
        return bitsAllocated;
    }

    public int bitsStored() {
        return bitsStored;
    }

    /** Pixel Representation 1: stored values are two's complement. */
    public boolean signed() {
        return signed;
    }

    public double rescaleSlope() {
        return rescaleSlope;
    }

    public double rescaleIntercept() {
        return rescaleIntercept;
    }

    public Voi voi() {
        return voi;
    }

    /**
     * The window centre used, in rescaled units: the file's for {@link Voi#WINDOW}, the middle of the
     * image's range for {@link Voi#PIXEL_RANGE}, NaN for {@link Voi#VOI_LUT}.
     */
    public double windowCenter() {
        return windowCenter;
    }

    /** The window width used (see {@link #windowCenter()}). */
    public double windowWidth() {
        return windowWidth;
    }

    public String transferSyntaxUid() {
        return transferSyntaxUid;
    }

    /** An 8-bit grey image ({@link BufferedImage#TYPE_BYTE_GRAY}), as a PNG of the same radiograph would be. */
    public BufferedImage toGray8() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            data[i] = (byte) Math.round(pixels[i] * 255f);
        }
        return image;
    }

    /** A 16-bit grey image ({@link BufferedImage#TYPE_USHORT_GRAY}) keeping more of the grey levels. */
    public BufferedImage toGray16() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY);
        short[] data = ((DataBufferUShort) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            data[i] = (short) Math.round(pixels[i] * 65535f);
        }
        return image;
    }

    @Override
    public String toString() {
        return "DicomImage[" + width + "x" + height + ", " + modality + ", " + photometricInterpretation + ", "
                + bitsStored + "/" + bitsAllocated + " bits" + (signed ? " signed" : "") + ", voi " + voi + "]";
    }
}
