package org.synthray.agent.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;

class ImagePreprocessorTest {
    @Test
    void nihRgbPngBecomesOneGreyChannelInRange() throws Exception {
        float[] px = new ImagePreprocessor(64).load(TestData.nih().resolve("images/00000001_000.png"));
        assertEquals(64 * 64, px.length);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : px) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= -1 && max <= 1);
        assertTrue(max - min > 0.5, "a real radiograph has contrast");
    }

    @Test
    void hannoverNonSquareGreyIsCentreCroppedAndResized() throws Exception {
        Path png;
        try (var s = Files.list(TestData.hannover().resolve("png"))) {
            png = s.filter(p -> p.toString().endsWith(".png")).sorted().findFirst().orElseThrow();
        }
        BufferedImage src = ImageIO.read(png.toFile());
        assertTrue(src.getWidth() != src.getHeight());
        float[] px = new ImagePreprocessor(32).load(png);
        assertEquals(32 * 32, px.length);
    }

    @Test
    void sixteenBitGreyAndRgbaAreScaledByTheirDepth() throws Exception {
        BufferedImage g16 = new BufferedImage(20, 10, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 20; x++) {
                g16.getRaster().setSample(x, y, 0, 65535);
            }
        }
        float[] px = new ImagePreprocessor(8).preprocess(g16);
        assertEquals(1.0f, px[0], 1e-4);
        BufferedImage rgba = new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x00000000); // transparent black
        float[] q = new ImagePreprocessor(16).preprocess(rgba);
        assertEquals(-1.0f, q[0], 1e-4, "alpha is ignored, not mixed into the grey value");
    }

    @Test
    void nonImagesAndMissingFilesFailWithAReason(@TempDir Path dir) throws Exception {
        Path txt = dir.resolve("not-an-image.png");
        Files.writeString(txt, "hello");
        ImagePreprocessor p = new ImagePreprocessor(16);
        IOException e = assertThrows(IOException.class, () -> p.load(txt));
        assertTrue(e.getMessage().contains("not an image"), e.getMessage());
        e = assertThrows(IOException.class, () -> p.load(dir.resolve("missing.png")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        BufferedImage tiny = new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_GRAY);
        e = assertThrows(IOException.class, () -> p.preprocess(tiny));
        assertTrue(e.getMessage().contains("3×3"), e.getMessage());
    }
}
