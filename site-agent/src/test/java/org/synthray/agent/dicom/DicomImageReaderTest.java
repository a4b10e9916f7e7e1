package org.synthray.agent.dicom;

import static org.junit.jupiter.api.Assertions.*;
import static org.synthray.agent.dicom.DicomTags.*;

import ij.IJ;
import ij.ImagePlus;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.synthray.agent.dicom.DicomRejectedException.Code;

class DicomImageReaderTest {
    private static final double EPS = 1e-6;
    private final DicomImageReader reader = new DicomImageReader();

    @TempDir
    Path dir;

    /** PS3.3 §C.11.2.1.2.1, written independently of the reader. */
    private static double linear(double x, double c, double w) {
        if (x <= c - 0.5 - (w - 1) / 2) {
            return 0;
        }
        if (x > c - 0.5 + (w - 1) / 2) {
            return 1;
        }
        return (x - (c - 0.5)) / (w - 1) + 0.5;
    }

    private static void assertPixels(double[] expected, DicomImage image) {
        float[] actual = image.pixels();
        assertEquals(expected.length, actual.length, "pixel count");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], EPS, "pixel " + i);
        }
    }

    private DicomRejectedException rejected(byte[] file, Code code) {
        DicomRejectedException e = assertThrows(DicomRejectedException.class, () -> reader.read(file));
        assertEquals(code, e.code(), e.reason());
        assertEquals(e.getMessage(), e.reason());
        return e;
    }

    @Test
    void appliesTheWindowOfAMonochrome2Radiograph() throws Exception {
        int[] stored = {0, 1000, 2000, 4095};
        TestDicom t = TestDicom.radiograph("CR", 4, 1, stored)
                .text(WINDOW_CENTER, "DS", "2000").text(WINDOW_WIDTH, "DS", "2001");
        DicomImage image = reader.read(t.bytes());
        assertEquals(4, image.width());
        assertEquals(1, image.height());
        assertEquals("CR", image.modality());
        assertEquals(DicomImage.Voi.WINDOW, image.voi());
        assertEquals(2000, image.windowCenter());
        assertEquals(2001, image.windowWidth());
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = linear(stored[i], 2000, 2001);
        }
        assertPixels(expected, image);
        assertEquals(0.0, image.pixel(0, 0));
        assertEquals(1.0, image.pixel(3, 0));
    }

    @Test
    void usesTheFirstWindowWhenSeveralAreGiven() throws Exception {
        int[] stored = {0, 500, 1000, 1500};
        TestDicom t = TestDicom.radiograph("DX", 2, 2, stored)
                .text(WINDOW_CENTER, "DS", "500\\1500").text(WINDOW_WIDTH, "DS", "1001\\100");
        DicomImage image = reader.read(t.bytes());
        assertEquals(500, image.windowCenter());
        assertEquals(1001, image.windowWidth());
        assertPixels(new double[] {linear(0, 500, 1001), linear(500, 500, 1001), linear(1000, 500, 1001),
                linear(1500, 500, 1001)}, image);
    }

    @Test
    void invertsMonochrome1() throws Exception {
        int[] stored = {0, 1000, 2000, 4095};
        TestDicom t = TestDicom.radiograph("CR", 4, 1, stored)
                .text(PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME1")
                .text(WINDOW_CENTER, "DS", "2000").text(WINDOW_WIDTH, "DS", "2001");
        DicomImage image = reader.read(t.bytes());
        assertEquals("MONOCHROME1", image.photometricInterpretation());
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = 1 - linear(stored[i], 2000, 2001);
        }
        assertPixels(expected, image);
        assertEquals(1.0, image.pixel(0, 0), "the lowest stored value is white in MONOCHROME1");
    }

    @Test
    void invertsMonochrome1WithoutAWindowToo() throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 3, 1, new int[] {100, 300, 500})
                .text(PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME1");
        assertPixels(new double[] {1, 0.5, 0}, reader.read(t.bytes()));
    }

    @Test
    void appliesRescaleSlopeAndInterceptBeforeTheWindow() throws Exception {
        int[] stored = {0, 500, 1000, 1500};
        TestDicom t = TestDicom.radiograph("DX", 4, 1, stored)
                .text(RESCALE_SLOPE, "DS", "2").text(RESCALE_INTERCEPT, "DS", "-1000")
                .text(WINDOW_CENTER, "DS", "500").text(WINDOW_WIDTH, "DS", "2001");
        DicomImage image = reader.read(t.bytes());
        assertEquals(2.0, image.rescaleSlope());
        assertEquals(-1000.0, image.rescaleIntercept());
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = linear(stored[i] * 2 - 1000, 500, 2001);
        }
        assertPixels(expected, image);
    }

    @Test
    void rejectsARescaleThatOverflows() {
        TestDicom t = TestDicom.radiograph("CR", 2, 1, new int[] {0, 4095}).text(RESCALE_SLOPE, "DS", "1e300");
        rejected(t.bytes(), Code.MALFORMED);
        TestDicom zero = TestDicom.radiograph("CR", 2, 1, new int[] {0, 4095}).text(RESCALE_SLOPE, "DS", "0");
        rejected(zero.bytes(), Code.MALFORMED);
        TestDicom text = TestDicom.radiograph("CR", 2, 1, new int[] {0, 4095}).text(RESCALE_INTERCEPT, "DS", "abc");
        assertTrue(rejected(text.bytes(), Code.MALFORMED).reason().contains("(0028,1052) is not a decimal number"));
    }

    @Test
    void fallsBackToThePixelRangeWithoutAWindow() throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 4, 1, new int[] {100, 200, 300, 500})
                .text(RESCALE_SLOPE, "DS", "0.5").text(RESCALE_INTERCEPT, "DS", "10");
        DicomImage image = reader.read(t.bytes());
        assertEquals(DicomImage.Voi.PIXEL_RANGE, image.voi());
        assertPixels(new double[] {0, 0.25, 0.5, 1}, image);
        assertEquals((60 + 260) / 2.0, image.windowCenter(), EPS);
        assertEquals(200, image.windowWidth(), EPS);
    }

    @Test
    void leavesPaddingOutOfThePixelRange() throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 5, 1, new int[] {4095, 100, 300, 500, 4095});
        t.data.uint16(PIXEL_PADDING_VALUE, 4095);
        assertPixels(new double[] {1, 0, 0.5, 1, 1}, reader.read(t.bytes()));

        int[] words = {-1000 & 0xFFFF, 0, 100, -1024 & 0xFFFF};
        TestDicom signed = TestDicom.radiograph("CR", 4, 1, new int[4]).pixels16(16, true, words);
        signed.data.uint16(PIXEL_PADDING_VALUE, -1024 & 0xFFFF).uint16(PIXEL_PADDING_RANGE_LIMIT, -1000 & 0xFFFF);
        assertPixels(new double[] {0, 0, 1, 0}, reader.read(signed.bytes()));

        TestDicom all = TestDicom.radiograph("CR", 2, 1, new int[] {7, 7});
        all.data.uint16(PIXEL_PADDING_VALUE, 7);
        assertPixels(new double[] {0, 0}, reader.read(all.bytes()));
    }

    @Test
    void ignoresAnUnusableWindow() throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 2, 1, new int[] {0, 10})
                .text(WINDOW_CENTER, "DS", "5").text(WINDOW_WIDTH, "DS", "0");
        DicomImage image = reader.read(t.bytes());
        assertEquals(DicomImage.Voi.PIXEL_RANGE, image.voi());
        assertPixels(new double[] {0, 1}, image);
    }

    @Test
    void appliesLinearExactAndSigmoidVoiFunctions() throws Exception {
        int[] stored = {0, 1000, 1500, 2000, 4000};
        TestDicom exact = TestDicom.radiograph("DX", 5, 1, stored)
                .text(WINDOW_CENTER, "DS", "2000").text(WINDOW_WIDTH, "DS", "2000")
                .text(VOI_LUT_FUNCTION, "CS", "LINEAR_EXACT");
        assertPixels(new double[] {0, 0, 0.25, 0.5, 1}, reader.read(exact.bytes()));

        TestDicom sigmoid = TestDicom.radiograph("DX", 5, 1, stored)
                .text(WINDOW_CENTER, "DS", "2000").text(WINDOW_WIDTH, "DS", "2000")
                .text(VOI_LUT_FUNCTION, "CS", "SIGMOID");
        double[] expected = new double[5];
        for (int i = 0; i < 5; i++) {
            expected[i] = 1 / (1 + Math.exp(-4.0 * (stored[i] - 2000) / 2000));
        }
        assertPixels(expected, reader.read(sigmoid.bytes()));
    }

    @Test
    void readsSignedPixelsWithTheirSign() throws Exception {
        int[] values = {-2048, -1, 0, 2047};
        int[] words = new int[4];
        for (int i = 0; i < 4; i++) {
            words[i] = (values[i] & 0xFFF) | 0xF000; // junk above the 12 stored bits must be ignored
        }
        TestDicom t = TestDicom.radiograph("DX", 4, 1, new int[4]).pixels16(12, true, words)
                .text(RESCALE_INTERCEPT, "DS", "100")
                .text(WINDOW_CENTER, "DS", "100").text(WINDOW_WIDTH, "DS", "4096");
        DicomImage image = reader.read(t.bytes());
        assertTrue(image.signed());
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = linear(values[i] + 100, 100, 4096);
        }
        assertPixels(expected, image);
        assertTrue(image.pixel(0, 0) < image.pixel(1, 0) && image.pixel(1, 0) < image.pixel(2, 0));
    }

    @Test
    void readsSigned16BitPixels() throws Exception {
        int[] values = {-32768, -1000, 0, 32767};
        int[] words = new int[4];
        for (int i = 0; i < 4; i++) {
            words[i] = values[i] & 0xFFFF;
        }
        TestDicom t = TestDicom.radiograph("DX", 4, 1, new int[4]).pixels16(16, true, words);
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = (values[i] + 32768) / 65535.0;
        }
        assertPixels(expected, reader.read(t.bytes()));
    }

    @Test
    void masks12BitPixelsStoredIn16() throws Exception {
        int[] values = {0, 1, 2048, 4095};
        int[] words = new int[4];
        for (int i = 0; i < 4; i++) {
            words[i] = values[i] | 0xA000; // overlay bits above bit 11
        }
        TestDicom t = TestDicom.radiograph("CR", 4, 1, words);
        DicomImage image = reader.read(t.bytes());
        assertEquals(12, image.bitsStored());
        assertEquals(16, image.bitsAllocated());
        assertPixels(new double[] {0, 1 / 4095.0, 2048 / 4095.0, 1}, image);
    }

    @Test
    void shiftsPixelsWhoseHighBitIsNotBitsStoredMinusOne() throws Exception {
        int[] values = {0, 1, 4095};
        int[] words = {values[0] << 4, values[1] << 4, values[2] << 4};
        TestDicom t = TestDicom.radiograph("CR", 3, 1, words);
        t.data.uint16(HIGH_BIT, 15);
        assertPixels(new double[] {0, 1 / 4095.0, 1}, reader.read(t.bytes()));
    }

    @Test
    void reads8BitPixels() throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 4, 1, new int[0])
                .pixels8(new byte[] {0, 64, (byte) 128, (byte) 255})
                .text(WINDOW_CENTER, "DS", "128").text(WINDOW_WIDTH, "DS", "256");
        DicomImage image = reader.read(t.bytes());
        assertEquals(8, image.bitsAllocated());
        assertPixels(new double[] {linear(0, 128, 256), linear(64, 128, 256), linear(128, 128, 256),
                linear(255, 128, 256)}, image);
    }

    @ParameterizedTest
    @ValueSource(strings = {TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN,
            TransferSyntax.EXPLICIT_VR_BIG_ENDIAN, TransferSyntax.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN})
    void readsEveryUncompressedTransferSyntaxAlike(String syntax) throws Exception {
        int[] stored = {0, 700, 1400, 2100, 2800, 4095};
        TestDicom t = TestDicom.radiograph("DX", 3, 2, stored)
                .text(RESCALE_SLOPE, "DS", "1.5").text(RESCALE_INTERCEPT, "DS", "-20")
                .text(WINDOW_CENTER, "DS", "2000\\1000").text(WINDOW_WIDTH, "DS", "3001\\500")
                .syntax(syntax);
        DicomImage image = reader.read(t.bytes());
        assertEquals(syntax, image.transferSyntaxUid());
        assertEquals(3, image.width());
        assertEquals(2, image.height());
        double[] expected = new double[stored.length];
        for (int i = 0; i < stored.length; i++) {
            expected[i] = linear(stored[i] * 1.5 - 20, 2000, 3001);
        }
        assertPixels(expected, image);
    }

    @ParameterizedTest
    @ValueSource(strings = {TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN,
            TransferSyntax.EXPLICIT_VR_BIG_ENDIAN})
    void reads8BitPixelsInEveryByteOrder(String syntax) throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 4, 1, new int[0])
                .pixels8(new byte[] {0, 51, (byte) 204, (byte) 255}).syntax(syntax);
        assertPixels(new double[] {0, 0.2, 0.8, 1}, reader.read(t.bytes()));
    }

    @Test
    void swaps8BitPixelsOfAnOwElementInBigEndian() throws Exception {
        // Big endian OW stores each 16-bit word high byte first: pixels 0, 51, 204, 255 become 51, 0, 255, 204.
        TestDicom t = TestDicom.radiograph("CR", 4, 1, new int[0]).pixels8(new byte[4])
                .syntax(TransferSyntax.EXPLICIT_VR_BIG_ENDIAN);
        t.data.bytes(PIXEL_DATA, "OW", new byte[] {51, 0, (byte) 255, (byte) 204});
        assertPixels(new double[] {0, 0.2, 0.8, 1}, reader.read(t.bytes()));
    }

    @ParameterizedTest
    @ValueSource(strings = {TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN})
    void appliesTheVoiLutSequenceWhenThereIsNoWindow(String syntax) throws Exception {
        DicomElements lut = new DicomElements()
                .words16(LUT_DESCRIPTOR, "US", 4, 100, 16)
                .words16(LUT_DATA, "OW", 0, 1000, 2000, 65535);
        TestDicom t = TestDicom.radiograph("DX", 5, 1, new int[] {99, 100, 101, 103, 200}).syntax(syntax);
        t.data.sequence(VOI_LUT_SEQUENCE, true, List.of(lut));
        DicomImage image = reader.read(t.bytes());
        assertEquals(DicomImage.Voi.VOI_LUT, image.voi());
        assertPixels(new double[] {0, 0, 1000 / 65535.0, 1, 1}, image);
    }

    @Test
    void prefersTheWindowOverTheVoiLutSequence() throws Exception {
        DicomElements lut = new DicomElements()
                .words16(LUT_DESCRIPTOR, "US", 2, 0, 16).words16(LUT_DATA, "OW", 65535, 0);
        TestDicom t = TestDicom.radiograph("DX", 2, 1, new int[] {0, 4095})
                .text(WINDOW_CENTER, "DS", "2048").text(WINDOW_WIDTH, "DS", "4096");
        t.data.sequence(VOI_LUT_SEQUENCE, false, List.of(lut));
        DicomImage image = reader.read(t.bytes());
        assertEquals(DicomImage.Voi.WINDOW, image.voi());
        assertPixels(new double[] {linear(0, 2048, 4096), linear(4095, 2048, 4096)}, image);
    }

    @Test
    void appliesTheModalityLutSequenceWhenThereIsNoRescale() throws Exception {
        DicomElements lut = new DicomElements()
                .words16(LUT_DESCRIPTOR, "US", 3, 0, 16).words16(LUT_DATA, "OW", 10, 20, 50);
        TestDicom t = TestDicom.radiograph("DX", 3, 1, new int[] {0, 1, 2});
        t.data.sequence(MODALITY_LUT_SEQUENCE, false, List.of(lut));
        assertPixels(new double[] {0, 0.25, 1}, reader.read(t.bytes()));
    }

    @ParameterizedTest
    @ValueSource(strings = {TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN,
            TransferSyntax.EXPLICIT_VR_BIG_ENDIAN})
    void readsOnlyTheTopLevelImageWhenSequencesHoldOthers(String syntax) throws Exception {
        // An icon image and deeply nested private sequences, of defined and undefined lengths.
        DicomElements icon = new DicomElements().uint16(SAMPLES_PER_PIXEL, 1)
                .text(PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME2")
                .uint16(ROWS, 1).uint16(COLUMNS, 1).uint16(BITS_ALLOCATED, 8).uint16(BITS_STORED, 8)
                .uint16(HIGH_BIT, 7).uint16(PIXEL_REPRESENTATION, 0).bytes(PIXEL_DATA, "OB", new byte[] {7});
        DicomElements deepest = new DicomElements().text(0x00091002, "LO", "deep").uint16(ROWS, 9);
        DicomElements middle = new DicomElements().sequence(0x00091003, true, List.of(deepest, deepest));
        DicomElements outer = new DicomElements().sequence(0x00091004, false, List.of(middle));
        TestDicom t = TestDicom.radiograph("CR", 2, 1, new int[] {0, 4095}).syntax(syntax);
        t.data.sequence(0x00880200, true, List.of(icon)).sequence(0x00091010, true, List.of(outer, middle));
        DicomImage image = reader.read(t.bytes());
        assertEquals(2, image.width());
        assertEquals(1, image.height());
        assertPixels(new double[] {0, 1}, image);
    }

    @ParameterizedTest
    @CsvSource({"CT, computed tomography", "MR, magnetic resonance", "US, ultrasound", "NM, nuclear medicine",
            "PT, positron emission tomography", "MG, mammography"})
    void rejectsModalitiesOtherThanRadiographs(String modality, String name) {
        TestDicom t = TestDicom.radiograph(modality, 2, 1, new int[] {0, 1});
        DicomRejectedException e = rejected(t.bytes(), Code.MODALITY);
        assertTrue(e.reason().contains("modality " + modality + " (" + name + ") is not a radiograph"), e.reason());
    }

    @Test
    void namesAnUnknownModality() {
        DicomRejectedException e = rejected(TestDicom.radiograph("XYZ", 2, 1, new int[2]).bytes(), Code.MODALITY);
        assertTrue(e.reason().startsWith("modality XYZ is not a radiograph"), e.reason());
        assertTrue(e.reason().contains("CR, DR, DX, RG"), e.reason());
    }

    @Test
    void rejectsAFileWithoutModality() {
        TestDicom t = TestDicom.radiograph("CR", 2, 1, new int[2]);
        t.data.remove(MODALITY);
        assertTrue(rejected(t.bytes(), Code.MODALITY).reason().contains("no Modality (0008,0060)"));
    }

    @Test
    void acceptsTheModalitiesItIsGiven() throws Exception {
        DicomImageReader ot = new DicomImageReader(Set.of("ot"));
        assertEquals(Set.of("OT"), ot.acceptedModalities());
        assertEquals("OT", ot.read(TestDicom.radiograph("OT", 2, 1, new int[] {0, 1}).bytes()).modality());
    }

    @ParameterizedTest
    @CsvSource({"1.2.840.10008.1.2.4.50, JPEG Baseline (Process 1)",
            "1.2.840.10008.1.2.4.51, JPEG Extended (Process 2 & 4)",
            "1.2.840.10008.1.2.4.57, JPEG Lossless, Non-Hierarchical (Process 14)",
            "1.2.840.10008.1.2.4.70, JPEG Lossless, Non-Hierarchical, First-Order Prediction",
            "1.2.840.10008.1.2.4.80, JPEG-LS Lossless",
            "1.2.840.10008.1.2.4.90, JPEG 2000 (Lossless Only)",
            "1.2.840.10008.1.2.4.91, JPEG 2000",
            "1.2.840.10008.1.2.4.201, High-Throughput JPEG 2000 (Lossless Only)",
            "1.2.840.10008.1.2.5, RLE Lossless"})
    void rejectsCompressedTransferSyntaxesByName(String uid, String name) {
        byte[] file = TestDicom.radiograph("CR", 2, 1, new int[2]).encapsulatedBytes(uid);
        DicomRejectedException e = rejected(file, Code.COMPRESSED);
        assertTrue(e.reason().startsWith("compressed pixel data: " + name), e.reason());
        assertTrue(e.reason().contains("(" + uid + ")"), e.reason());
    }

    @Test
    void checksTheModalityOfACompressedFileFirst() {
        byte[] file = TestDicom.radiograph("CT", 2, 1, new int[2]).encapsulatedBytes("1.2.840.10008.1.2.4.50");
        rejected(file, Code.MODALITY);
    }

    @Test
    void rejectsAnUnknownTransferSyntax() {
        TestDicom t = TestDicom.radiograph("CR", 2, 1, new int[2]).syntax("1.2.3.4.5");
        assertTrue(rejected(t.bytes(), Code.UNSUPPORTED_TRANSFER_SYNTAX).reason()
                .startsWith("unknown transfer syntax 1.2.3.4.5"));
    }

    @Test
    void rejectsAFileWithoutPixelData() {
        TestDicom t = TestDicom.radiograph("DX", 2, 1, new int[2]);
        t.data.remove(PIXEL_DATA);
        assertTrue(rejected(t.bytes(), Code.NO_PIXEL_DATA).reason().startsWith("no Pixel Data (7FE0,0010)"));
    }

    @Test
    void rejectsMultiFrameImages() {
        TestDicom t = TestDicom.radiograph("DX", 2, 1, new int[6]).text(NUMBER_OF_FRAMES, "IS", "3");
        assertTrue(rejected(t.bytes(), Code.MULTI_FRAME).reason().startsWith("multi-frame image (3 frames)"));
        TestDicom one = TestDicom.radiograph("DX", 2, 1, new int[2]).text(NUMBER_OF_FRAMES, "IS", "1");
        assertDoesNotThrow(() -> reader.read(one.bytes()));
    }

    @Test
    void rejectsColourAndOtherUnsupportedPixelFormats() {
        TestDicom rgb = TestDicom.radiograph("DX", 2, 1, new int[2]).text(PHOTOMETRIC_INTERPRETATION, "CS", "RGB");
        rgb.data.uint16(SAMPLES_PER_PIXEL, 3);
        assertTrue(rejected(rgb.bytes(), Code.UNSUPPORTED_IMAGE).reason()
                .startsWith("not a greyscale image (Photometric Interpretation RGB, 3 samples per pixel)"));

        TestDicom noPhotometric = TestDicom.radiograph("DX", 2, 1, new int[2]);
        noPhotometric.data.remove(PHOTOMETRIC_INTERPRETATION);
        rejected(noPhotometric.bytes(), Code.UNSUPPORTED_IMAGE);

        TestDicom oneBit = TestDicom.radiograph("DX", 2, 1, new int[2]);
        oneBit.data.uint16(BITS_ALLOCATED, 1);
        assertTrue(rejected(oneBit.bytes(), Code.UNSUPPORTED_IMAGE).reason().contains("Bits Allocated (0028,0100) is 1"));

        TestDicom floats = TestDicom.radiograph("DX", 2, 1, new int[2]);
        floats.data.remove(PIXEL_DATA).bytes(FLOAT_PIXEL_DATA, "OF", new byte[8]);
        rejected(floats.bytes(), Code.UNSUPPORTED_IMAGE);
    }

    @Test
    void rejectsPixelDataShorterThanTheImage() {
        TestDicom t = TestDicom.radiograph("DX", 4, 4, new int[15]);
        assertTrue(rejected(t.bytes(), Code.MALFORMED).reason()
                .contains("Pixel Data holds 30 bytes but 4x4 pixels of 16 bits need 32"));
    }

    @Test
    void rejectsTruncatedFilesWithAReason() {
        byte[] whole = TestDicom.radiograph("CR", 8, 8, TestDicom.ramp(64, 0, 60)).bytes();
        DicomRejectedException e = rejected(TestDicom.cut(whole, whole.length - 10), Code.TRUNCATED);
        assertTrue(e.reason().startsWith("truncated file: it ends inside Pixel Data (7FE0,0010), which declares 128 bytes"),
                e.reason());
        // Cut anywhere, the file is refused with a reason, never with another exception.
        for (int length = 0; length < whole.length; length++) {
            byte[] cut = TestDicom.cut(whole, length);
            DicomRejectedException r = assertThrows(DicomRejectedException.class, () -> reader.read(cut),
                    "cut at " + length);
            assertFalse(r.reason().isBlank());
        }
    }

    @Test
    void rejectsATruncatedDeflatedFile() {
        byte[] whole = TestDicom.radiograph("CR", 16, 16, TestDicom.ramp(256, 0, 16))
                .syntax(TransferSyntax.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN).bytes();
        rejected(TestDicom.cut(whole, whole.length - 20), Code.TRUNCATED);
    }

    @Test
    void ignoresDamageAfterThePixelData() throws Exception {
        byte[] whole = TestDicom.radiograph("CR", 2, 1, new int[] {0, 4095}).bytes();
        byte[] damaged = java.util.Arrays.copyOf(whole, whole.length + 5);
        damaged[whole.length] = (byte) 0xFC;
        assertPixels(new double[] {0, 1}, reader.read(damaged));
    }

    @Test
    void rejectsWhatIsNotDicom() {
        assertTrue(rejected(new byte[0], Code.NOT_DICOM).reason().contains("too short"));
        assertTrue(rejected(new byte[500], Code.NOT_DICOM).reason().contains("no DICM marker"));
        byte[] markerOnly = new byte[132];
        markerOnly[128] = 'D';
        markerOnly[129] = 'I';
        markerOnly[130] = 'C';
        markerOnly[131] = 'M';
        rejected(markerOnly, Code.MALFORMED);
    }

    @Test
    void detectsDicomByMarkerOrSuffixButNotPngs() throws Exception {
        BufferedImage grey = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        Path png = dir.resolve("chest.png");
        ImageIO.write(grey, "png", png.toFile());
        assertFalse(DicomImageReader.isDicom(png));
        assertFalse(DicomImageReader.isDicom(Files.readAllBytes(png)));
        assertEquals(Code.NOT_DICOM,
                assertThrows(DicomRejectedException.class, () -> reader.read(png)).code());

        Path jpg = dir.resolve("chest.jpg");
        ImageIO.write(grey, "jpg", jpg.toFile());
        assertFalse(DicomImageReader.isDicom(jpg));

        byte[] dicom = TestDicom.radiograph("CR", 2, 1, new int[] {0, 1}).bytes();
        Path noSuffix = dir.resolve("1.2.826.0.1.3680043.2.1125.1");
        Files.write(noSuffix, dicom);
        assertTrue(DicomImageReader.isDicom(noSuffix));
        assertTrue(DicomImageReader.isDicom(dicom));
        assertEquals(2, reader.read(noSuffix).width());

        Path misnamed = dir.resolve("image.DCM");
        Files.copy(png, misnamed);
        assertTrue(DicomImageReader.isDicom(misnamed), "the suffix alone routes a file to the DICOM reader");
        assertEquals(Code.NOT_DICOM,
                assertThrows(DicomRejectedException.class, () -> reader.read(misnamed)).code());

        assertFalse(DicomImageReader.isDicom(dir), "a directory is not a DICOM file");
        Path empty = Files.createFile(dir.resolve("empty"));
        assertFalse(DicomImageReader.isDicom(empty));
    }

    @Test
    void givesGreyImagesForLoaders() throws Exception {
        TestDicom t = TestDicom.radiograph("CR", 3, 1, new int[] {0, 2000, 4000});
        DicomImage image = reader.read(t.bytes());
        BufferedImage g8 = image.toGray8();
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, g8.getType());
        assertEquals(0, g8.getRaster().getSample(0, 0, 0));
        assertEquals(Math.round(0.5f * 255), g8.getRaster().getSample(1, 0, 0));
        assertEquals(255, g8.getRaster().getSample(2, 0, 0));
        BufferedImage g16 = image.toGray16();
        assertEquals(BufferedImage.TYPE_USHORT_GRAY, g16.getType());
        assertEquals(65535, g16.getRaster().getSample(2, 0, 0));
    }

    @Test
    void testFilesAreStandardDicomThatImageJReads() throws Exception {
        int[] stored = TestDicom.ramp(12, 0, 300);
        Path file = dir.resolve("cr.dcm");
        Files.write(file, TestDicom.radiograph("CR", 4, 3, stored)
                .text(WINDOW_CENTER, "DS", "1650").text(WINDOW_WIDTH, "DS", "1000").bytes());
        ImagePlus imp = IJ.openImage(file.toString());
        assertNotNull(imp, "ImageJ opens the test file");
        assertEquals(4, imp.getWidth());
        assertEquals(3, imp.getHeight());
        for (int i = 0; i < stored.length; i++) {
            assertEquals(stored[i], imp.getProcessor().get(i % 4, i / 4), "pixel " + i);
        }
        assertEquals(1150, imp.getDisplayRangeMin(), 1e-9);
        assertEquals(2150, imp.getDisplayRangeMax(), 1e-9);
    }
}
