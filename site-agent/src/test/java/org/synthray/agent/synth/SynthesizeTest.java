package org.synthray.agent.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import ij.IJ;
import ij.ImagePlus;
import ij.util.DicomTools;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.cli.SiteAgentCli;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.data.Images;
import org.synthray.agent.data.PatientShard;
import org.synthray.agent.guard.PrivacyGuard;
import org.synthray.blob.Sha256;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;
import picocli.CommandLine;

/** {@code synthesize} with the public base model, a guard calibrated on real NIH images, ImageJ reading the DICOM output. */
class SynthesizeTest {
    static final int S = 64;
    @TempDir
    static Path dir;
    static Path guardDir;
    static ImageTextDataset train;
    static ImageTextDataset otherPatients;
    static PrivacyGuard guard;
    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = SiteAgentCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Path baseModel() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/base-cpu64"))) {
                return p.resolve("models/base-cpu64");
            }
        }
        throw new IllegalStateException("models/base-cpu64 not found");
    }

    static ImageTextDataset range(ImageTextDataset ds, int from, int to) {
        List<Integer> keep = new ArrayList<>();
        for (int i = from; i < to; i++) {
            keep.add(i);
        }
        return ds.select(keep, List.of());
    }

    @BeforeAll
    static void calibrate() throws IOException {
        train = range(ImageTextDataset.load(TestData.nih(), "train", S, null), 0, 200);
        ImageTextDataset val = ImageTextDataset.load(TestData.nih(), "val", S, null);
        otherPatients = range(val, 150, 158);
        guard = PrivacyGuard.calibrate(train, ImageTextDataset.patients(TestData.nih(), train), range(val, 0, 100),
                new PrivacyGuard.Options(30, 0), m -> { });
        guardDir = dir.resolve("work/guard");
        guard.save(guardDir);
    }

    @AfterAll
    static void close() {
        guard.close();
    }

    static String tag(ImagePlus imp, String tag) {
        String v = DicomTools.getTag(imp, tag);
        return v == null ? null : v.trim();
    }

    @Test
    void writesACompleteSetThatImageJOpens() throws Exception {
        Path out = dir.resolve("set-a");
        Run r = run("synthesize", "--model", baseModel().toString(), "--guard", guardDir.toString(),
                "-p", "PA chest x-ray of a 60-year-old male: no finding", "-p", "AP chest x-ray: effusion", "-n", "2",
                "--steps", "4", "--batch", "3", "--seed", "10", "--site", "hospital-a", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        Path up = out.resolve("upload");
        JsonNode set = JSON.readTree(up.resolve("set.json").toFile());
        assertEquals("synthray-set/1", set.get("format").asText());
        assertEquals("hospital-a", set.get("site").asText());
        assertEquals("local-checkpoint", set.get("modelSource").asText());
        String modelSha = Npz.read(baseModel().resolve("weights.npz")).modelId();
        assertEquals(modelSha, set.get("model").asText(), "the model's identity, as the coordinator names its versions");
        assertEquals(2, set.get("prompts").size());
        assertEquals(2, set.get("perPrompt").asInt());
        assertEquals(4, set.get("count").asInt() + set.get("rejected").asInt());
        assertTrue(set.get("count").asInt() >= 1, set.toString());
        assertEquals("dpm++2m", set.get("sampler").asText(), "the default scheduler");
        assertEquals(4, set.get("steps").asInt());
        assertEquals(3.0, set.get("guidance").asDouble());
        assertEquals(200, set.get("guard").get("trainImages").asInt());
        assertEquals(100, set.get("guard").get("valImages").asInt());
        assertEquals(guard.pixelThreshold(), set.get("guard").get("pixelThreshold").asDouble(), 1e-9);
        assertTrue(set.get("guard").get("method").asText().contains("threshold"));
        assertFalse(set.toString().contains(".png\""), "no training image names in set.json: " + set);

        Manifest m = Manifest.read(Files.newBufferedReader(up.resolve("manifest.jsonl")));
        assertEquals(set.get("count").asInt(), m.size());
        assertEquals(m.head(), set.get("manifestHead").asText());
        Set<String> uids = new HashSet<>();
        for (ManifestEntry e : m.entries()) {
            Path png = up.resolve(e.file());
            Path dcm = up.resolve(e.dicom());
            assertEquals(Sha256.of(Files.readAllBytes(png)), e.sha256());
            assertEquals(Sha256.of(Files.readAllBytes(dcm)), e.dicomSha256());
            assertEquals(Files.size(dcm), e.dicomSize());
            assertEquals(modelSha, e.model());
            assertEquals("dpm++2m", e.sampler());
            assertEquals(4, e.steps());
            assertTrue(e.seed() >= 10 && e.seed() < 14);
            assertTrue(e.guard().accepted() && e.guard().pixelScore() <= e.guard().pixelThreshold());
            assertEquals(e.seed() < 12 ? "PA chest x-ray of a 60-year-old male: no finding" : "AP chest x-ray: effusion",
                    e.prompt());

            BufferedImage p = ImageIO.read(png.toFile());
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, p.getType());
            assertEquals(8, p.getColorModel().getPixelSize());
            assertEquals(S, p.getWidth());

            ImagePlus imp = IJ.openImage(dcm.toString());
            assertNotNull(imp, "ImageJ opens " + dcm);
            assertEquals(16, imp.getBitDepth());
            assertEquals(S, imp.getWidth());
            assertEquals(S, imp.getHeight());
            int differ = 0;
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    double d16 = imp.getProcessor().get(x, y) / 65535.0;
                    double d8 = p.getRaster().getSample(x, y, 0) / 255.0;
                    assertEquals(d8, d16, 0.5 / 255 + 1e-6, "pixel " + x + "," + y + " of " + e.dicom());
                    differ += Math.abs(d8 - d16) > 1e-9 ? 1 : 0;
                }
            }
            assertTrue(differ > 0, "the DICOM keeps more than 8 bits");
            assertEquals("32768", tag(imp, "0028,1050"));
            assertEquals("65536", tag(imp, "0028,1051"));
            assertTrue(tag(imp, "0008,0008").contains("DERIVED\\SECONDARY"), tag(imp, "0008,0008"));
            assertTrue(tag(imp, "0008,103E").contains("SYNTHETIC"));
            assertTrue(tag(imp, "0020,4000").contains("SYNTHETIC"));
            assertEquals("NO", tag(imp, "0028,0301"));
            assertEquals("SYNTHETIC^SYNTHRAY", tag(imp, "0010,0010"));
            assertTrue(tag(imp, "0008,2111").contains(modelSha) && tag(imp, "0008,2111").contains("seed " + e.seed()));
            assertTrue(uids.add(tag(imp, "0008,0018")), "fresh SOP Instance UID per image");
            assertFalse(Files.readString(dcm, java.nio.charset.StandardCharsets.ISO_8859_1).contains("effusion"),
                    "the prompt is not in the DICOM file");
        }
        // Only the set's own files are under upload/, nothing half-written.
        try (var files = Files.walk(up)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String rel = up.relativize(f).toString();
                assertTrue(rel.equals("set.json") || rel.equals("manifest.jsonl") || rel.matches("images/\\d{6}\\.png")
                        || rel.matches("dicom/\\d{6}\\.dcm"), rel);
            });
        }
        assertTrue(Files.isRegularFile(out.resolve("local/rejected.jsonl")));
        assertTrue(r.out().contains("accepted") && r.out().contains("set ready"), r.out());

        // A complete set is never overwritten.
        Run again = run("synthesize", "--model", baseModel().toString(), "--guard", guardDir.toString(), "-p", "x",
                "--out", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already holds a complete synthetic set"), again.err());
    }

    /** Copies of training images planted among real images of other patients. */
    static final class Planted implements SyntheticSet.ImageSource {
        final List<float[]> planted = new ArrayList<>();

        @Override
        public float[] generate(List<String> prompts, long[] seeds) {
            float[] out = new float[prompts.size() * S * S];
            for (int i = 0; i < seeds.length; i++) {
                int k = (int) seeds[i];
                float[] img;
                if (k % 2 == 0) {
                    float[] t = train.image(k * 7);
                    img = switch (k / 2 % 4) {
                        case 0 -> t;
                        case 1 -> org.synthray.agent.guard.PerturbAccess.shift(t, S, 2, -1);
                        case 2 -> org.synthray.agent.guard.PerturbAccess.noise(t, 0.03, k);
                        default -> org.synthray.agent.guard.PerturbAccess.crop(t, S, 4);
                    };
                    planted.add(img);
                } else {
                    img = otherPatients.image(k / 2);
                }
                System.arraycopy(img, 0, out, i * S * S, S * S);
            }
            return out;
        }
    }

    static SyntheticSet.Request request(int perPrompt) {
        return new SyntheticSet.Request("hospital-a", List.of("PA chest x-ray: no finding", "AP chest x-ray: effusion"),
                perPrompt, SamplingSettings.ddim(50, 3.0), 0, 3, "a".repeat(64), "local-checkpoint");
    }

    @Test
    void plantedTrainingImagesAndTheirCopiesNeverReachTheUploadFolder() throws Exception {
        Path out = dir.resolve("set-planted");
        Planted src = new Planted();
        List<String> log = new ArrayList<>();
        SyntheticSet.Result r = SyntheticSet.generate(src, S, guard, request(8), out, log::add);
        assertEquals(8, r.rejected(), String.join("\n", log));
        assertEquals(8, r.accepted(), "real images of other patients pass: " + String.join("\n", log));
        List<String> rejected = Files.readAllLines(out.resolve("local/rejected.jsonl"));
        assertEquals(8, rejected.size());
        for (int i = 0; i < 8; i++) {
            JsonNode j = JSON.readTree(rejected.get(i));
            assertEquals(i * 2L, j.get("seed").asLong());
            assertEquals(train.id(i * 2 * 7), j.get("pixelNearestTrainImage").asText());
            assertTrue(j.get("pixelScore").asDouble() > j.get("pixelThreshold").asDouble());
            assertTrue(Files.isRegularFile(out.resolve("local").resolve(j.get("file").asText())));
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("rejected (kept at the site)") && l.contains("nearest")), log.toString());
        // No uploaded pixel array is one of the planted images.
        Set<String> plantedPng = new HashSet<>();
        for (float[] p : src.planted) {
            plantedPng.add(java.util.Arrays.toString(pixels8(Images.toImage(p, 0, S))));
        }
        Path up = out.resolve("upload");
        Manifest m = Manifest.read(Files.newBufferedReader(up.resolve("manifest.jsonl")));
        assertEquals(8, m.size());
        for (ManifestEntry e : m.entries()) {
            assertEquals(1, e.seed() % 2, "only the real images of other patients are listed");
            assertFalse(plantedPng.contains(java.util.Arrays.toString(pixels8(ImageIO.read(up.resolve(e.file()).toFile())))));
        }
        assertEquals(8, JSON.readTree(up.resolve("set.json").toFile()).get("rejected").asInt());
    }

    static int[] pixels8(BufferedImage b) {
        return b.getRaster().getPixels(0, 0, b.getWidth(), b.getHeight(), (int[]) null);
    }

    @Test
    void aRunThatStopsHalfWayLeavesNothingToPublish() throws Exception {
        Path out = dir.resolve("set-crash");
        int[] calls = {0};
        SyntheticSet.ImageSource failing = (p, s) -> {
            if (calls[0]++ == 1) {
                throw new IllegalStateException("sampler failed");
            }
            return otherPatients.pixels().clone();
        };
        SyntheticSet.ImageSource source = (p, s) -> {
            float[] all = failing.generate(p, s);
            return java.util.Arrays.copyOf(all, p.size() * S * S);
        };
        assertThrows(IllegalStateException.class, () -> SyntheticSet.generate(source, S, guard, request(4), out, m -> { }));
        assertFalse(SyntheticSet.complete(out));
        assertFalse(Files.exists(out.resolve("upload")), "the partial upload folder is removed");

        // Simulate a crash that left files behind (no set.json): the next run clears them and completes.
        Files.createDirectories(out.resolve("upload/images"));
        Files.writeString(out.resolve("upload/images/000000.png"), "half");
        List<String> log = new ArrayList<>();
        SyntheticSet.Result r = SyntheticSet.generate((p, s) -> java.util.Arrays.copyOf(otherPatients.pixels(), p.size() * S * S),
                S, guard, request(1), out, log::add);
        assertTrue(log.get(0).contains("removing an incomplete set"), log.toString());
        assertEquals(2, r.accepted());
        assertTrue(SyntheticSet.complete(out));
        assertNotEquals("half", Files.readString(out.resolve("upload/images/000000.png"), java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void fetchesAGlobalModelFromTheCoordinatorAndVerifiesIt() throws Exception {
        // The coordinator's copy of the base model: float32, and here with positional names (as
        // received from stock Flower clients). Same model identity; the site names it from its config.
        Weights base = Npz.read(baseModel().resolve("weights.npz"));
        List<org.synthray.tensor.Tensor> positional = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) {
            positional.add(org.synthray.tensor.Tensor.ofFloats("t" + i, base.get(i).shape(), base.get(i).toFloatArray()));
        }
        java.io.ByteArrayOutputStream served = new java.io.ByteArrayOutputStream();
        Npz.write(new Weights(positional), served);
        byte[] npz = served.toByteArray();
        String sha = base.modelId();
        String other = "b".repeat(64);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/models/", ex -> {
            String path = ex.getRequestURI().getPath();
            boolean known = path.endsWith(sha) || path.endsWith(other); // "other" serves the wrong bytes
            byte[] body = known ? npz : "no model".getBytes();
            ex.sendResponseHeaders(known ? 200 : 404, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Path out = dir.resolve("set-global");
            Run r = run("synthesize", "--model", baseModel().toString(), "--model-version", sha, "--coordinator-url", url,
                    "--model-cache", dir.resolve("models").toString(), "--guard", guardDir.toString(), "-p", "PA chest x-ray",
                    "-n", "1", "--steps", "2", "--site", "hospital-b", "--out", out.toString());
            assertEquals(0, r.code(), r.out() + r.err());
            JsonNode set = JSON.readTree(out.resolve("upload/set.json").toFile());
            assertEquals("coordinator", set.get("modelSource").asText());
            assertEquals(sha, set.get("model").asText());
            assertTrue(Files.isRegularFile(dir.resolve("models").resolve(sha + ".npz")), "kept for the next run");

            Run wrong = run("synthesize", "--model", baseModel().toString(), "--model-version", other, "--coordinator-url",
                    url, "--model-cache", dir.resolve("models").toString(), "--guard", guardDir.toString(), "-p", "x",
                    "--out", dir.resolve("set-wrong").toString());
            assertEquals(1, wrong.code());
            assertTrue(wrong.err().contains("is model " + sha + ", not " + other + ": refused"), wrong.err());
            assertFalse(Files.exists(dir.resolve("models").resolve(other + ".npz")));
            assertFalse(SyntheticSet.complete(dir.resolve("set-wrong")));

            Run missing = run("synthesize", "--model", baseModel().toString(), "--model-version", "c".repeat(64),
                    "--coordinator-url", url, "--model-cache", dir.resolve("models").toString(), "--guard",
                    guardDir.toString(), "-p", "x", "--out", dir.resolve("set-missing").toString());
            assertTrue(missing.err().contains("has no model " + "c".repeat(64)), missing.err());
        } finally {
            server.stop(0);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run down = run("synthesize", "--model", baseModel().toString(), "--model-version", "d".repeat(64),
                "--coordinator-url", "http://127.0.0.1:" + port, "--model-cache", dir.resolve("models").toString(),
                "--guard", guardDir.toString(), "-p", "x", "--out", dir.resolve("set-down").toString());
        assertEquals(1, down.code());
        assertTrue(down.err().startsWith("error: coordinator unreachable at http://127.0.0.1:" + port), down.err());
        assertFalse(SyntheticSet.complete(dir.resolve("set-down")));
    }

    @Test
    void calibratesTheGuardFirstWhenGivenTheSitesData() throws Exception {
        // A small site: 40 training and 20 validation images of real NIH patients, copied into its own
        // folder (a site reads nothing outside its data folder).
        Path site = Files.createDirectories(dir.resolve("small-site"));
        Path images = Files.createDirectories(site.resolve("images"));
        StringBuilder csv = new StringBuilder("image,report,split,patient_id\n");
        List<String> rows = Files.readAllLines(TestData.nih().resolve("metadata.csv"));
        int trainRows = 0;
        int valRows = 0;
        // The folder holds two sites' patients; this site is shard 1/2 and its guard must know only those.
        PatientShard mine = new PatientShard(1, 2);
        int myTrain = 0;
        int myVal = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            boolean isTrain = f[1].equals("train");
            if (isTrain ? trainRows++ < 40 : valRows++ < 20) {
                Files.copy(TestData.nih().resolve("images").resolve(f[0]), images.resolve(f[0]));
                csv.append(f[0]).append(",PA chest x-ray,").append(f[1])
                        .append(',').append(f[2]).append('\n');
                if (mine.contains(f[2])) {
                    myTrain += isTrain ? 1 : 0;
                    myVal += isTrain ? 0 : 1;
                }
            }
        }
        assertTrue(myTrain > 1 && myTrain < 40 && myVal > 1 && myVal < 20, myTrain + " / " + myVal);
        Files.writeString(site.resolve("metadata.csv"), csv.toString());
        Path g = dir.resolve("small-site-work/guard");
        Path out = dir.resolve("set-small");
        Run r = run("synthesize", "--model", baseModel().toString(), "--guard", g.toString(), "--data", site.toString(),
                "--shard", "1/2", "-p", "PA chest x-ray", "-n", "2", "--steps", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("no guard calibration in") && r.out().contains("calibrating on"), r.out());
        assertTrue(Files.isRegularFile(g.resolve(PrivacyGuard.GUARD_JSON)));
        JsonNode set = JSON.readTree(out.resolve("upload/set.json").toFile());
        assertEquals(myTrain, set.get("guard").get("trainImages").asInt());
        assertEquals(myVal, set.get("guard").get("valImages").asInt());
        assertEquals("site", set.get("site").asText());
    }

    @Test
    void clearMessagesForBadInput() throws Exception {
        Run r = run("synthesize", "--model", baseModel().toString(), "--guard", dir.resolve("no-guard").toString(), "-p", "x",
                "--out", dir.resolve("o1").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no guard calibration") && r.err().contains("guard calibrate"), r.err());
        r = run("synthesize", "--model", baseModel().toString(), "--guard", guardDir.toString(), "--out",
                dir.resolve("o2").toString());
        assertTrue(r.err().contains("give at least one --prompt"), r.err());
        r = run("synthesize", "--model", baseModel().toString(), "--guard", guardDir.toString(), "-p", "x",
                "--model-version", "a".repeat(64), "--out", dir.resolve("o3").toString());
        assertTrue(r.err().contains("--model-version and --coordinator-url go together"), r.err());
        r = run("synthesize", "--model", baseModel().toString(), "--guard", guardDir.toString(), "-p", "x",
                "--model-version", "not-a-hash", "--coordinator-url", "http://127.0.0.1:1", "--out", dir.resolve("o4").toString());
        assertTrue(r.err().contains("must be a model's identity (64 lowercase hex digits)"), r.err());
    }
}
