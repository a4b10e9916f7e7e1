package org.synthray.agent.dicom;

import static org.junit.jupiter.api.Assertions.*;
import static org.synthray.agent.dicom.DicomTags.*;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Arbitrary and damaged bytes end in a reason, never in another exception. */
class DicomRobustnessTest {
    private final DicomImageReader reader = new DicomImageReader();

    /** Reads, accepting an image or a rejection with a reason; anything else fails the test. */
    private void readSafely(byte[] file, String what) {
        try {
            reader.read(file);
        } catch (DicomRejectedException e) {
            assertNotNull(e.code(), what);
            assertFalse(e.reason().isBlank(), what);
            assertFalse(e.reason().contains("Exception"), what + ": a check was missed: " + e.reason());
        } catch (Throwable t) {
            fail(what + ": " + t, t);
        }
    }

    private static byte[] withMarker(byte[] b) {
        if (b.length >= 132) {
            b[128] = 'D';
            b[129] = 'I';
            b[130] = 'C';
            b[131] = 'M';
        }
        return b;
    }

    @Test
    void randomBytesAreRejected() {
        Random random = new Random(20240601);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[random.nextInt(3000)];
            random.nextBytes(b);
            byte[] copy = b.clone();
            DicomRejectedException e = assertThrows(DicomRejectedException.class, () -> reader.read(copy));
            assertEquals(DicomRejectedException.Code.NOT_DICOM, e.code());
            readSafely(withMarker(b), "random bytes after DICM #" + i);
        }
    }

    @Test
    void randomDataSetsAfterValidMetaInformationAreRejected() {
        Random random = new Random(99);
        List<String> syntaxes = List.of(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN,
                TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.EXPLICIT_VR_BIG_ENDIAN,
                TransferSyntax.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN);
        for (int i = 0; i < 400; i++) {
            TestDicom t = TestDicom.radiograph("CR", 1, 1, new int[1]).syntax(syntaxes.get(i % syntaxes.size()));
            byte[] valid = t.bytes();
            int metaEnd = 132 + 12 + (int) (valid[140] & 0xFF | (valid[141] & 0xFF) << 8);
            byte[] b = java.util.Arrays.copyOf(valid, metaEnd + random.nextInt(600));
            for (int k = metaEnd; k < b.length; k++) {
                b[k] = (byte) random.nextInt(256);
            }
            readSafely(b, "random data set #" + i);
        }
    }

    @Test
    void damagedRadiographsAreReadOrRejected() {
        DicomElements lut = new DicomElements().words16(LUT_DESCRIPTOR, "US", 4, 0, 16)
                .words16(LUT_DATA, "OW", 0, 100, 200, 300);
        List<byte[]> originals = new java.util.ArrayList<>();
        for (String syntax : List.of(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN,
                TransferSyntax.EXPLICIT_VR_BIG_ENDIAN, TransferSyntax.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)) {
            TestDicom t = TestDicom.radiograph("DX", 4, 4, TestDicom.ramp(16, 0, 200)).syntax(syntax)
                    .text(WINDOW_CENTER, "DS", "1500").text(WINDOW_WIDTH, "DS", "3000")
                    .text(RESCALE_SLOPE, "DS", "1").text(RESCALE_INTERCEPT, "DS", "0");
            t.data.sequence(VOI_LUT_SEQUENCE, true, List.of(lut)).sequence(0x00091010, false, List.of(lut, lut));
            originals.add(t.bytes());
        }
        Random random = new Random(1234);
        for (int i = 0; i < 3000; i++) {
            byte[] b = originals.get(i % originals.size()).clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                int at = 132 + random.nextInt(b.length - 132);
                b[at] = random.nextInt(4) == 0 ? (byte) 0xFF : (byte) random.nextInt(256);
            }
            if (random.nextInt(5) == 0) {
                b = java.util.Arrays.copyOf(b, 132 + random.nextInt(b.length - 132));
            }
            readSafely(b, "damaged file #" + i);
        }
    }

    @Test
    void absurdLengthsAreRejectedWithoutAllocatingThem() {
        TestDicom t = TestDicom.radiograph("CR", 4, 4, new int[16]);
        t.data.uint16(ROWS, 65535).uint16(COLUMNS, 65535);
        DicomRejectedException e = assertThrows(DicomRejectedException.class, () -> reader.read(t.bytes()));
        assertEquals(DicomRejectedException.Code.UNSUPPORTED_IMAGE, e.code());

        TestDicom big = TestDicom.radiograph("CR", 4, 4, new int[16]);
        big.data.uint16(ROWS, 8000).uint16(COLUMNS, 8000);
        e = assertThrows(DicomRejectedException.class, () -> reader.read(big.bytes()));
        assertEquals(DicomRejectedException.Code.MALFORMED, e.code(), e.reason());

        byte[] deep = TestDicom.radiograph("CR", 1, 1, new int[1]).bytes();
        DicomElements nested = new DicomElements().text(0x00091001, "LO", "x");
        for (int i = 0; i < 40; i++) {
            nested = new DicomElements().sequence(0x00091010, i % 2 == 0, List.of(nested));
        }
        TestDicom tooDeep = TestDicom.radiograph("CR", 1, 1, new int[1]);
        tooDeep.data.sequence(0x00091010, true, List.of(nested));
        e = assertThrows(DicomRejectedException.class, () -> reader.read(tooDeep.bytes()));
        assertEquals(DicomRejectedException.Code.MALFORMED, e.code());
        assertTrue(e.reason().contains("nested deeper"), e.reason());
        assertDoesNotThrow(() -> reader.read(deep));
    }
}
