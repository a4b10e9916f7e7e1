package org.synthray.coordinator.blob;

import java.nio.file.Path;
import java.time.Duration;

/** A {@link BlobConfig} for a service run outside Quarkus, on a filesystem store. */
record TestBlobConfig(Path root, int maxChunkBytes, Duration idleTimeout, long maxBlobBytes, int siteStagedUploads,
                      long siteStagedBytes) implements BlobConfig {
    public String store() {
        return "file";
    }

    public S3 s3() {
        throw new UnsupportedOperationException("filesystem store");
    }

    public String dir() {
        return root.toString();
    }

    public long thresholdBytes() {
        return 1 << 20;
    }

    public int uploadWindow() {
        return 2;
    }

    public int ioThreads() {
        return 2;
    }

    public Duration stagingTtl() {
        return Duration.ofDays(1);
    }
}
