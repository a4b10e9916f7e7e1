package org.synthray.agent.dicom;

import static org.synthray.agent.dicom.DicomTags.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes real-looking radiograph DICOM files for tests in other packages (none are committed). */
public final class TestRadiographs {
    private TestRadiographs() {
    }

    /**
     * A 12-bit CR/DX/CT/... file whose displayed grey values (after Rescale Slope 2, Intercept −1000,
     * the window written and, for MONOCHROME1, inversion) are {@code grey} (in [0, 1], row-major).
     */
    public static byte[] radiograph(String modality, float[] grey, int width, int height, boolean monochrome1) {
        int[] stored = new int[grey.length];
        for (int i = 0; i < grey.length; i++) {
            int s = Math.round(Math.max(0f, Math.min(1f, grey[i])) * 4000f);
            stored[i] = monochrome1 ? 4000 - s : s;
        }
        TestDicom t = TestDicom.radiograph(modality, width, height, stored);
        // value = 2·stored − 1000 spans −1000 … 7000; LINEAR window c 3000.5, w 8001 maps it onto 0 … 1.
        t.text(RESCALE_SLOPE, "DS", "2").text(RESCALE_INTERCEPT, "DS", "-1000")
                .text(WINDOW_CENTER, "DS", "3000.5").text(WINDOW_WIDTH, "DS", "8001");
        if (monochrome1) {
            t.text(PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME1");
        }
        return t.bytes();
    }

    public static Path write(Path file, String modality, float[] grey, int width, int height, boolean monochrome1)
            throws IOException {
        Files.write(file, radiograph(modality, grey, width, height, monochrome1));
        return file;
    }
}
