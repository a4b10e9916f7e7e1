package org.synthray.agent.dicom;

import static org.junit.jupiter.api.Assertions.*;
import static org.synthray.agent.dicom.DicomTags.*;

import ij.IJ;
import ij.ImagePlus;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;

/** A real radiograph (Hannover COVID-19 set, CC BY 3.0) through DICOM and back. */
class DicomRoundTripTest {
    private static BufferedImage png;
    private static int[] grey;
    private static int width;
    private static int height;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadARealRadiograph() throws IOException {
        Path folder = TestData.hannover().resolve("png");
        Path first;
        try (Stream<Path> files = Files.list(folder)) {
            first = files.filter(f -> f.toString().endsWith(".png")).sorted().findFirst().orElseThrow();
        }
        png = ImageIO.read(first.toFile());
        width = png.getWidth();
        height = png.getHeight();
        grey = png.getRaster().getSamples(0, 0, width, height, 0, new int[width * height]);
        assertEquals(1, png.getRaster().getNumBands(), "8-bit grey PNG");
    }

    @Test
    void aRealRadiographSurvivesTheSyntheticWriterExactly() throws Exception {
        float[] pixels = new float[grey.length];
        for (int i = 0; i < grey.length; i++) {
            pixels[i] = grey[i] / 255f;
        }
        Path file = dir.resolve("round-trip.dcm");
        new SecondaryCaptureWriter().write(pixels, width, height, SyntheticProvenance.of("test", 1), file);
        assertTrue(DicomImageReader.isDicom(file));

        ImagePlus imp = IJ.openImage(file.toString());
        for (int i = 0; i < grey.length; i++) {
            assertEquals(grey[i] * 257, imp.getProcessor().get(i % width, i / width), "ImageJ pixel " + i);
        }

        DicomImage image = new DicomImageReader(Set.of("OT")).read(file);
        Raster back = image.toGray8().getRaster();
        assertArrayEquals(grey, back.getSamples(0, 0, width, height, 0, new int[grey.length]),
                "8-bit grey values come back unchanged");
    }

    @Test
    void aRealRadiographStoredAsMonochrome1CrReadsBackAsThePng() throws Exception {
        // As a CR unit might store it: 12 bits, white = low values, a window over the whole range.
        int[] stored = new int[grey.length];
        for (int i = 0; i < grey.length; i++) {
            stored[i] = Math.round((255 - grey[i]) * 4095f / 255f);
        }
        TestDicom t = TestDicom.radiograph("CR", width, height, stored)
                .text(PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME1")
                .text(WINDOW_CENTER, "DS", "2047.5").text(WINDOW_WIDTH, "DS", "4096");
        Path file = dir.resolve("cr.dcm");
        Files.write(file, t.bytes());
        DicomImage image = new DicomImageReader().read(file);
        assertEquals(width, image.width());
        assertEquals(height, image.height());
        Raster back = image.toGray8().getRaster();
        for (int i = 0; i < grey.length; i++) {
            assertEquals(grey[i], back.getSample(i % width, i / width, 0), 1, "pixel " + i);
        }
    }
}
