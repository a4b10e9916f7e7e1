import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Makes data/hannover-covid/png from the original 640-pixel-wide radiographs: each image shrunk by
 * a factor of 8 (area averaging, 8-bit grey), so 640×524…639 becomes 80×65…79. The images stay
 * non-square, as the originals are, so that the loader's centre crop is still exercised.
 * Usage: java data/Downscale.java <original png folder> <output png folder>
 */
public class Downscale {
    public static void main(String[] args) throws IOException {
        Path in = Path.of(args[0]);
        Path out = Files.createDirectories(Path.of(args[1]));
        try (Stream<Path> files = Files.list(in)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                BufferedImage src = ImageIO.read(f.toFile());
                int w = src.getWidth() / 8;
                int h = src.getHeight() / 8;
                Image scaled = src.getScaledInstance(w, h, Image.SCALE_AREA_AVERAGING);
                BufferedImage grey = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
                grey.getGraphics().drawImage(scaled, 0, 0, null);
                ImageIO.write(grey, "png", out.resolve(f.getFileName()).toFile());
            }
        }
    }
}
