package org.synthray.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;
import org.synthray.agent.data.ImageTextDataset;

/**
 * The guard on real NIH images: calibrated on 300 training images and 120 validation images of
 * other patients; training images and lightly changed copies of them must all be rejected, the
 * other 88 validation images (patients it has never seen) must all pass.
 */
class PrivacyGuardTest {
    static final int S = 64;
    static ImageTextDataset train;
    static ImageTextDataset calibrationVal;
    static ImageTextDataset heldOutVal;
    static PrivacyGuard guard;
    @TempDir
    static Path dir;

    static ImageTextDataset range(ImageTextDataset ds, int from, int to) {
        List<Integer> keep = new ArrayList<>();
        for (int i = from; i < to; i++) {
            keep.add(i);
        }
        return ds.select(keep, List.of());
    }

    @BeforeAll
    static void calibrate() throws IOException {
        ImageTextDataset t = ImageTextDataset.load(TestData.nih(), "train", S, null);
        ImageTextDataset v = ImageTextDataset.load(TestData.nih(), "val", S, null);
        train = range(t, 0, 300);
        calibrationVal = range(v, 0, 120);
        heldOutVal = range(v, 120, v.size());
        guard = PrivacyGuard.calibrate(train, ImageTextDataset.patients(TestData.nih(), train), calibrationVal,
                new PrivacyGuard.Options(60, 1), System.out::println);
    }

    @AfterAll
    static void close() {
        guard.close();
    }

    /** Applies a change to training images 0, 15, 30, ... and returns the guard's verdicts. */
    static List<PrivacyGuard.Verdict> checkCopies(UnaryOperator<float[]> change) {
        int n = 20;
        float[] imgs = new float[n * S * S];
        for (int i = 0; i < n; i++) {
            System.arraycopy(change.apply(train.image(i * 15)), 0, imgs, i * S * S, S * S);
        }
        return guard.check(imgs, n, S);
    }

    static void assertAllRejected(String what, UnaryOperator<float[]> change) {
        List<PrivacyGuard.Verdict> v = checkCopies(change);
        for (int i = 0; i < v.size(); i++) {
            PrivacyGuard.Verdict x = v.get(i);
            assertFalse(x.accepted(), what + " of training image " + i * 15 + " passed: " + x + ", thresholds "
                    + guard.pixelThreshold() + " / " + guard.embeddingThreshold());
            assertEquals(train.id(i * 15), guard.trainId(x.pixelNearest()), what + ": nearest is its original");
        }
    }

    @Test
    void thresholdsComeFromTheSitesValidationImages() {
        var info = guard.info();
        assertEquals(300, info.get("trainImages").asInt());
        assertEquals(120, info.get("valImages").asInt());
        // Nearly every training image finds an image of another patient among its nearest (not those whose
        // nearest neighbours are all follow-up films of the same patient).
        assertTrue(info.get("trainPairs").asInt() >= 290, info.toString());
        double max = info.get("pixel").get("otherPatientMax").asDouble();
        assertEquals(Math.max(info.get("pixel").get("valMax").asDouble(), info.get("pixel").get("trainOtherPatientMax")
                .asDouble()), max, 1e-6);
        assertEquals(max + PrivacyGuard.MARGIN * (1 - max), guard.pixelThreshold(), 1e-6);
        assertTrue(max > 0.5 && max < 0.99, "images of other patients are similar but not copies: " + max);
        assertEquals(60, info.get("embedding").get("classifierSteps").asInt());
    }

    @Test
    void plantedTrainingImagesAreRejected() {
        assertAllRejected("exact copy", img -> img);
        List<PrivacyGuard.Verdict> v = checkCopies(img -> img);
        assertTrue(v.get(0).pixelScore() > 0.999, v.get(0).toString());
    }

    @Test
    void shiftedCopiesAreRejected() {
        assertAllRejected("2-pixel shift right", img -> Perturb.shift(img, S, 2, 0));
        assertAllRejected("2-pixel shift up-left", img -> Perturb.shift(img, S, -2, -2));
        assertAllRejected("1-pixel shift down", img -> Perturb.shift(img, S, 0, 1));
    }

    @Test
    void noisyCopiesAreRejected() {
        // σ 0.04 on the [-1, 1] scale: about 5 grey levels of 255.
        assertAllRejected("mild noise", img -> Perturb.noise(img, 0.04, 7));
    }

    @Test
    void contrastChangedCopiesAreRejected() {
        assertAllRejected("contrast +30 %", img -> Perturb.contrast(img, 1, 1.3, 0.05));
        assertAllRejected("contrast −20 %", img -> Perturb.contrast(img, 1, 0.8, 0));
        assertAllRejected("gamma 0.7", img -> Perturb.contrast(img, 0.7, 1, 0));
    }

    @Test
    void croppedCopiesAreRejected() {
        assertAllRejected("centre crop, 3 px border", img -> Perturb.crop(img, S, 3));
        assertAllRejected("centre crop, 5 px border", img -> Perturb.crop(img, S, 5));
        assertAllRejected("crop and shift together", img -> Perturb.shift(Perturb.crop(img, S, 4), S, 1, -1));
    }

    @Test
    void validationImagesOfOtherPatientsPass() {
        List<PrivacyGuard.Verdict> v = guard.check(heldOutVal.pixels(), heldOutVal.size(), S);
        assertEquals(88, v.size());
        for (int i = 0; i < v.size(); i++) {
            assertTrue(v.get(i).accepted(), heldOutVal.id(i) + " of another patient was rejected: " + v.get(i));
        }
        // ... and so do the validation images it was calibrated with (the threshold is above their maximum).
        assertTrue(guard.check(calibrationVal.pixels(), calibrationVal.size(), S).stream()
                .allMatch(PrivacyGuard.Verdict::accepted));
    }

    @Test
    void savedCalibrationGivesTheSameVerdicts() throws IOException {
        Path g = dir.resolve("guard");
        guard.save(g);
        assertTrue(Files.readString(g.resolve(PrivacyGuard.GUARD_JSON)).contains("\"threshold\""));
        float[] q = new float[3 * S * S];
        System.arraycopy(train.image(5), 0, q, 0, S * S);
        System.arraycopy(Perturb.shift(train.image(6), S, 2, 1), 0, q, S * S, S * S);
        System.arraycopy(heldOutVal.image(0), 0, q, 2 * S * S, S * S);
        List<PrivacyGuard.Verdict> before = guard.check(q, 3, S);
        try (PrivacyGuard loaded = PrivacyGuard.load(g)) {
            assertEquals(guard.pixelThreshold(), loaded.pixelThreshold());
            assertEquals(guard.embeddingThreshold(), loaded.embeddingThreshold());
            List<PrivacyGuard.Verdict> after = loaded.check(q, 3, S);
            for (int i = 0; i < 3; i++) {
                assertEquals(before.get(i).accepted(), after.get(i).accepted());
                assertEquals(before.get(i).pixelScore(), after.get(i).pixelScore(), 1e-5);
                assertEquals(before.get(i).embeddingScore(), after.get(i).embeddingScore(), 1e-4);
            }
            assertEquals(List.of(false, false, true), after.stream().map(PrivacyGuard.Verdict::accepted).toList());
        }
        // A vectors file from another calibration is refused.
        byte[] b = Files.readAllBytes(g.resolve(PrivacyGuard.VECTORS));
        b[b.length / 2] ^= 1;
        Files.write(g.resolve(PrivacyGuard.VECTORS), b);
        var e = assertThrows(IOException.class, () -> PrivacyGuard.load(g));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        e = assertThrows(IOException.class, () -> PrivacyGuard.load(dir.resolve("nothing")));
        assertTrue(e.getMessage().contains("guard calibrate"), e.getMessage());
    }

    @Test
    void smallerOrLargerImagesAreBroughtToTheGuardSize() {
        // A 16 px model's output (e.g. the tiny config) is compared at 64 px.
        float[] small = new float[16 * 16];
        float[] img = train.image(3);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                float a = 0;
                for (int k = 0; k < 16; k++) {
                    a += img[(y * 4 + k / 4) * S + x * 4 + k % 4];
                }
                small[y * 16 + x] = a / 16;
            }
        }
        List<PrivacyGuard.Verdict> v = guard.check(small, 1, 16);
        assertEquals(1, v.size());
        assertEquals(train.id(3), guard.trainId(v.get(0).pixelNearest()));
    }
}
