package org.synthray.agent.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.synthray.agent.data.Images;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.dicom.SecondaryCaptureWriter;
import org.synthray.agent.dicom.SyntheticProvenance;
import org.synthray.agent.guard.PrivacyGuard;
import org.synthray.blob.Sha256;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;
import org.synthray.manifest.SetDescription;

/**
 * Generates a synthetic set: images for each prompt, each checked by the {@link PrivacyGuard}; the
 * accepted ones written as an 8-bit PNG and a 16-bit DICOM Secondary Capture with a hash-chained
 * manifest, the rejected ones kept at the site. The folder layout is the contract with
 * {@code publish}:
 * <pre>
 * OUT/upload/images/000000.png     accepted images, 8-bit grey PNG
 * OUT/upload/dicom/000000.dcm      the same images, 16-bit DICOM Secondary Capture
 * OUT/upload/manifest.jsonl        one hash-chained line per accepted image (org.synthray.manifest.Manifest)
 * OUT/upload/set.json              written last: its presence means the set is complete
 * OUT/local/rejected.jsonl         rejected images: prompt, seed, scores, nearest training image (never uploaded)
 * OUT/local/rejected/*.png         their pixels, for the site's own review (never uploaded)
 * </pre>
 * Every file appears whole (written beside its target, then renamed). A run that stops half-way
 * (crash, full disk, error) leaves no {@code set.json}, so nothing of it can be published; the next
 * run into the same folder clears what it left.
 */
public final class SyntheticSet {
    public static final String FORMAT = SetDescription.FORMAT;

    /** Makes images: one per prompt, each from its seed; values in [-1, 1], {@code size × size} each. */
    public interface ImageSource {
        float[] generate(List<String> prompts, long[] seeds);
    }

    /** What to generate and how. Image k (0-based over all prompts, each prompt {@code perPrompt} times) uses seed + k. */
    public record Request(String site, List<String> prompts, int perPrompt, SamplingSettings sampling, long seed,
            int batch, String modelSha256, String modelSource) {
        public Request {
            if (prompts.isEmpty()) {
                throw new IllegalArgumentException("give at least one prompt");
            }
            if (perPrompt < 1 || batch < 1 || sampling == null) {
                throw new IllegalArgumentException("images per prompt and batch must be at least 1, and sampling settings given");
            }
            if (!Sha256.isValid(modelSha256)) {
                throw new IllegalArgumentException("model must be identified by the SHA-256 of its weights");
            }
            if (!modelSource.equals("local-checkpoint") && !modelSource.equals("coordinator")) {
                throw new IllegalArgumentException("model source is local-checkpoint or coordinator");
            }
        }

        int total() {
            return prompts.size() * perPrompt;
        }
    }

    /** The outcome. */
    public record Result(Path upload, int accepted, int rejected, String manifestHead, double seconds) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticSet() {
    }

    /** Whether {@code out} holds a complete set ({@code upload/set.json}). */
    public static boolean complete(Path out) {
        return Files.isRegularFile(out.resolve("upload").resolve("set.json"));
    }

    public static Result generate(ImageSource source, int size, PrivacyGuard guard, Request req, Path out,
            Consumer<String> log) throws IOException {
        Path upload = out.resolve("upload");
        Path local = out.resolve("local");
        if (complete(out)) {
            throw new IOException(out + " already holds a complete synthetic set (" + upload.resolve("set.json")
                    + "): choose another --out");
        }
        if (Files.exists(upload) || Files.exists(local)) {
            log.accept("removing an incomplete set left in " + out + " by an earlier run");
            deleteTree(upload);
            deleteTree(local);
        }
        Path images = Files.createDirectories(upload.resolve("images"));
        Path dicom = Files.createDirectories(upload.resolve("dicom"));
        Path rejectedDir = Files.createDirectories(local.resolve("rejected"));
        Path rejectedLog = local.resolve("rejected.jsonl");
        Files.writeString(rejectedLog, "");
        long t0 = System.nanoTime();
        try {
            SecondaryCaptureWriter dcm = new SecondaryCaptureWriter();
            Manifest.Writer manifest = new Manifest.Writer();
            List<String> each = new ArrayList<>();
            for (String p : req.prompts()) {
                for (int k = 0; k < req.perPrompt(); k++) {
                    each.add(p);
                }
            }
            int accepted = 0;
            int rejected = 0;
            int px = size * size;
            for (int start = 0; start < each.size(); start += req.batch()) {
                int end = Math.min(each.size(), start + req.batch());
                List<String> sub = each.subList(start, end);
                long[] seeds = new long[sub.size()];
                for (int i = 0; i < seeds.length; i++) {
                    seeds[i] = req.seed() + start + i;
                }
                float[] imgs = source.generate(sub, seeds);
                List<PrivacyGuard.Verdict> verdicts = guard.check(imgs, sub.size(), size);
                for (int i = 0; i < sub.size(); i++) {
                    float[] one = java.util.Arrays.copyOfRange(imgs, i * px, (i + 1) * px);
                    PrivacyGuard.Verdict v = verdicts.get(i);
                    int k = start + i;
                    if (!v.accepted()) {
                        String name = String.format(Locale.ROOT, "p%03d-%03d-seed%d.png", k / req.perPrompt(),
                                k % req.perPrompt(), seeds[i]);
                        writePng(one, size, rejectedDir.resolve(name));
                        ObjectNode r = JSON.createObjectNode();
                        r.put("file", "rejected/" + name);
                        r.put("prompt", sub.get(i));
                        r.put("seed", seeds[i]);
                        r.put("pixelScore", v.pixelScore());
                        r.put("pixelThreshold", guard.pixelThreshold());
                        r.put("pixelNearestTrainImage", guard.trainId(v.pixelNearest()));
                        r.put("embeddingScore", v.embeddingScore());
                        r.put("embeddingThreshold", guard.embeddingThreshold());
                        r.put("embeddingNearestTrainImage", guard.trainId(v.embeddingNearest()));
                        Files.writeString(rejectedLog, JSON.writeValueAsString(r) + "\n", StandardCharsets.UTF_8,
                                StandardOpenOption.APPEND);
                        log.accept(String.format(Locale.ROOT, "rejected (kept at the site): prompt %d seed %d, pixel "
                                + "score %.4f (threshold %.4f) nearest %s, embedding %.4f (threshold %.4f)",
                                k / req.perPrompt(), seeds[i], v.pixelScore(), guard.pixelThreshold(),
                                guard.trainId(v.pixelNearest()), v.embeddingScore(), guard.embeddingThreshold()));
                        rejected++;
                        continue;
                    }
                    String name = String.format(Locale.ROOT, "%06d", accepted);
                    Path png = images.resolve(name + ".png");
                    writePng(one, size, png);
                    Path dc = dicom.resolve(name + ".dcm");
                    dcm.write(SecondaryCaptureWriter.fromSignedUnit(one), size, size,
                            SyntheticProvenance.of(req.modelSha256(), seeds[i]), dc);
                    ManifestEntry e = new ManifestEntry(accepted, "images/" + name + ".png", Sha256.of(Files.readAllBytes(png)),
                            Files.size(png), "dicom/" + name + ".dcm", Sha256.of(Files.readAllBytes(dc)), Files.size(dc),
                            sub.get(i), seeds[i], req.sampling().scheduler().id(), req.sampling().steps(),
                            req.sampling().guidance(), req.modelSha256(),
                            new ManifestEntry.GuardVerdict(true, v.pixelScore(), guard.pixelThreshold(), v.embeddingScore(),
                                    guard.embeddingThreshold()));
                    e.validate();
                    manifest.append(e);
                    accepted++;
                }
                log.accept(String.format(Locale.ROOT, "%d/%d images: %d accepted, %d rejected", end, each.size(), accepted,
                        rejected));
            }
            writeAtomically(upload.resolve("manifest.jsonl"), manifest.text().getBytes(StandardCharsets.UTF_8));

            SetDescription set = SetDescription.of(req.site(), req.modelSha256(), req.modelSource(), req.prompts(),
                    req.perPrompt(), accepted, rejected, guard.summary(), req.sampling().scheduler().id(), req.sampling().steps(),
                    req.sampling().guidance(), req.seed(),
                    manifest.head(), Instant.now().toString());
            // Last: from here on the set is complete and may be published.
            writeAtomically(upload.resolve("set.json"),
                    JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(set.json()));
            return new Result(upload, accepted, rejected, manifest.head(), (System.nanoTime() - t0) / 1e9);
        } catch (IOException | RuntimeException e) {
            // Nothing half-written stays where publish looks: no set.json was written, and the partial
            // upload folder is removed (the rejected log stays, for the site's own review).
            try {
                deleteTree(upload);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof IOException io) {
                throw new IOException("synthesis stopped, no set was published: " + io.getMessage()
                        + (isDiskFull(io) ? " (the disk is full)" : ""), io);
            }
            throw e;
        }
    }

    private static boolean isDiskFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("no space left")) {
                return true;
            }
        }
        return false;
    }

    static void writePng(float[] img, int size, Path file) throws IOException {
        BufferedImage b = Images.toImage(img, 0, size);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        if (!ImageIO.write(b, "png", bytes)) {
            throw new IOException("no PNG writer available");
        }
        writeAtomically(file, bytes.toByteArray());
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".part");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
