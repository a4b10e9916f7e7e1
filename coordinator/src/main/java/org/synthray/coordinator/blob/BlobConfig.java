package org.synthray.coordinator.blob;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code synthray.blobs.*}: the blob store and the blob service (see docs/configuration.md). */
@ConfigMapping(prefix = "synthray.blobs")
public interface BlobConfig {
    /** Root folder of the filesystem blob store. */
    @WithDefault("synthray-blobs")
    String dir();

    /** Largest chunk the blob service accepts and sends (bytes). */
    @WithDefault("4194304")
    int maxChunkBytes();

    /**
     * Models whose encoded parameters exceed this many bytes travel as a blob reference instead
     * of tensors in FitIns/FitRes.
     */
    @WithDefault("536870912")
    long thresholdBytes();

    /** Chunks of one upload the server reads ahead of its disk writes. */
    @WithDefault("4")
    int uploadWindow();

    /** Threads doing blob file I/O for the gRPC service. */
    @WithDefault("8")
    int ioThreads();

    /** An upload that sends nothing for this long is closed (its bytes stay staged for a resume). */
    @WithDefault("2m")
    Duration idleTimeout();

    /** Staged bytes of uploads untouched for this long are deleted at start. */
    @WithDefault("168h")
    Duration stagingTtl();
}
