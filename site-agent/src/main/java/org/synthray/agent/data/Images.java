package org.synthray.agent.data;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Model images ([-1, 1] floats) to 8-bit grey pictures, PNG files and labelled grids. */
public final class Images {
    private Images() {
    }

    public static BufferedImage toImage(float[] px, int offset, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < size * size; i++) {
            double v = (px[offset + i] + 1) * 127.5;
            data[i] = (byte) Math.max(0, Math.min(255, Math.round(v)));
        }
        return img;
    }

    public static void writePng(BufferedImage img, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    /**
     * A grid: one row per label (when labels are given, drawn left of the row), {@code cols} images
     * per row, each scaled up by {@code scale}.
     */
    public static BufferedImage grid(float[] px, int count, int size, int cols, int scale, List<String> rowLabels) {
        int rows = (count + cols - 1) / cols;
        int cell = size * scale;
        int gap = 2;
        int labelW = rowLabels == null ? 0 : 260;
        BufferedImage out = new BufferedImage(labelW + cols * (cell + gap), rows * (cell + gap),
                BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        for (int i = 0; i < count; i++) {
            BufferedImage im = toImage(px, i * size * size, size);
            g.drawImage(im, labelW + (i % cols) * (cell + gap), (i / cols) * (cell + gap), cell, cell, null);
        }
        if (rowLabels != null) {
            try {
                g.setColor(Color.BLACK);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                for (int r = 0; r < rows && r < rowLabels.size(); r++) {
                    drawWrapped(g, rowLabels.get(r), 4, r * (cell + gap) + 16, labelW - 8);
                }
            } catch (Throwable e) {
                // No fonts on a headless server: the grid without labels is still useful.
            }
        }
        g.dispose();
        return out;
    }

    private static void drawWrapped(Graphics2D g, String text, int x, int y, int width) {
        StringBuilder line = new StringBuilder();
        int lineH = g.getFontMetrics().getHeight();
        for (String w : text.split(" ")) {
            if (line.length() > 0 && g.getFontMetrics().stringWidth(line + " " + w) > width) {
                g.drawString(line.toString(), x, y);
                y += lineH;
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(w);
        }
        g.drawString(line.toString(), x, y);
    }
}
