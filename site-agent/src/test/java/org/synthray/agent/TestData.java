package org.synthray.agent;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the shared real data: system property {@code synthray.shared}, else {@code ../shared} upwards. */
public final class TestData {
    private TestData() {
    }

    public static Path shared() {
        String p = System.getProperty("synthray.shared");
        if (p != null && Files.isDirectory(Path.of(p, "data"))) {
            return Path.of(p);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path c = dir.resolve("shared");
            if (Files.isDirectory(c.resolve("data"))) {
                return c;
            }
            c = dir.resolveSibling("shared");
            if (Files.isDirectory(c.resolve("data"))) {
                return c;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("shared data not found: set -Dsynthray.shared=/path/to/shared");
    }

    public static Path nih() {
        return shared().resolve("data/nih-cxr14-64");
    }

    public static Path hannover() {
        return shared().resolve("data/hannover-covid");
    }
}
