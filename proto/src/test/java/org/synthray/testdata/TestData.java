package org.synthray.testdata;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests find real data. By default the repository's own {@code data/} folder, so a fresh clone
 * tests on its own; other data when asked:
 * <ul>
 * <li>system property {@code synthray.shared}: a folder holding {@code data/nih-cxr14-64},
 * {@code data/hannover-covid} and {@code golden/flower-1.23};</li>
 * <li>environment variable {@code SYNTHRAY_DATA}: a folder holding {@code nih-cxr14-64/} and
 * {@code hannover-covid/} (as for the demo); the golden captures still come from {@code data/}.</li>
 * </ul>
 */
public final class TestData {
    private TestData() {
    }

    /** The NIH ChestX-ray14 sample (64×64, {@code metadata.csv}, train/val split by patient). */
    public static Path nih() {
        return images().resolve("nih-cxr14-64");
    }

    /** The Hannover COVID-19 set ({@code data.csv}, {@code png/}). */
    public static Path hannover() {
        return images().resolve("hannover-covid");
    }

    /** The golden Flower 1.23.0 captures ({@code index.json}, {@code captures/}, {@code tensors/}). */
    public static Path golden() {
        Path shared = shared();
        Path dir = shared != null ? shared.resolve("golden/flower-1.23") : repoData().resolve("golden/flower-1.23");
        return existing(dir, shared != null ? "-Dsynthray.shared" : "the repository");
    }

    /** The folder holding the image sets. */
    private static Path images() {
        Path shared = shared();
        if (shared != null) {
            return existing(shared.resolve("data"), "-Dsynthray.shared");
        }
        String env = System.getenv("SYNTHRAY_DATA");
        if (env != null && !env.isBlank()) {
            return existing(Path.of(env).toAbsolutePath().normalize(), "SYNTHRAY_DATA");
        }
        return repoData();
    }

    private static Path shared() {
        String p = System.getProperty("synthray.shared");
        return p == null || p.isBlank() ? null : Path.of(p).toAbsolutePath().normalize();
    }

    /** {@code data/} of the repository: the first ancestor of the working folder that has one beside {@code mvnw}. */
    static Path repoData() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("data"))) {
                return p.resolve("data");
            }
        }
        throw new IllegalStateException("the repository's data/ folder was not found above "
                + Path.of("").toAbsolutePath() + " (or set -Dsynthray.shared=<dir> / SYNTHRAY_DATA=<dir>)");
    }

    private static Path existing(Path dir, String source) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir + " does not exist (from " + source + ")");
        }
        return dir;
    }
}
