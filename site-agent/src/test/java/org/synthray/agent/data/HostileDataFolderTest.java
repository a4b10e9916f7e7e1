package org.synthray.agent.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.synthray.agent.TestData;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data folder with hostile files and names: a PNG declaring 40000×40000 pixels, and table rows
 * naming files outside the folder. Each is reported with its reason and the rest of the folder is
 * still checked; nothing outside the folder is read.
 */
class HostileDataFolderTest {

    /** A grey 8-bit PNG whose header declares {@code w}×{@code h} pixels, with only a few rows of data. */
    static byte[] pngDeclaring(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
            z.write(new byte[4 * (w + 1)]); // four rows of zeros, filter byte 0
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void pixelBombIsReportedAndTheRestOfTheFolderIsChecked(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("site"));
        Path img = Files.createDirectories(data.resolve("images"));
        Path nih = TestData.nih().resolve("images");
        Files.copy(nih.resolve(DataCheckTest.NIH[0]), img.resolve("a.png"));
        Files.write(img.resolve("bomb.png"), pngDeclaring(40_000, 40_000));
        Files.copy(nih.resolve(DataCheckTest.NIH[1]), img.resolve("z.png"));
        // Outside the data folder: a real image the table must not reach.
        Path secret = dir.resolve("secret.png");
        Files.copy(nih.resolve(DataCheckTest.NIH[2]), secret);
        Files.createSymbolicLink(img.resolve("link.png"), secret);
        Files.writeString(data.resolve("metadata.csv"), "image,report\n"
                + "a.png,PA chest x-ray: no finding\n"
                + "bomb.png,PA chest x-ray\n"
                + "../../secret.png,PA chest x-ray\n"
                + secret.toAbsolutePath() + ",PA chest x-ray\n"
                + "link.png,PA chest x-ray\n"
                + "z.png,PA chest x-ray: cardiomegaly\n");

        DataCheck.Report report = DataCheck.run(data, 64);

        assertEquals(6, report.rows());
        assertEquals(2, report.usable(), "a.png and z.png, on both sides of the bomb");
        Map<String, String> why = new java.util.HashMap<>();
        report.skipped().forEach(s -> why.put(s.image(), s.reason()));
        assertTrue(why.get("bomb.png").contains("40000×40000") && why.get("bomb.png").contains("8192"), why.get("bomb.png"));
        assertTrue(why.get("../../secret.png").contains("outside the data folder"), why.get("../../secret.png"));
        assertTrue(why.get(secret.toAbsolutePath().toString()).contains("outside the data folder"),
                why.get(secret.toAbsolutePath().toString()));
        assertTrue(why.get("link.png").contains("outside the data folder"), why.get("link.png"));

        // Training goes through the same loader: only the two images inside the folder.
        ImageTextDataset ds = ImageTextDataset.load(data, "all", 64, null);
        assertEquals(List.of("a.png", "z.png"), List.of(ds.id(0), ds.id(1)));
        assertFalse(ds.size() > 2);
    }
}
