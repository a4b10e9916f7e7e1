package org.synthray.coordinator.blob;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code synthray.blobs.*}: the blob store and the blob service (see docs/configuration.md). */
@ConfigMapping(prefix = "synthray.blobs")
public interface BlobConfig {
    /** Which store keeps the blobs: {@code file} (the embedded default) or {@code s3}. */
    @WithDefault("file")
    String store();

    /** The S3 store ({@code store = s3}). */
    S3 s3();

    /** {@code synthray.blobs.s3.*}. */
    interface S3 {
        /** Endpoint URL of an S3-compatible server; empty for AWS itself. */
        Optional<String> endpoint();

        Optional<String> bucket();

        @WithDefault("us-east-1")
        String region();

        /** Static credentials; without them the SDK's default chain (environment, profile, instance role). */
        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();

        /** Path-style addressing ({@code endpoint/bucket/key}), as most S3-compatible servers need. */
        @WithDefault("false")
        boolean pathStyle();

        /** Prefix of every key the store writes, e.g. {@code synthray/}. */
        Optional<String> keyPrefix();

        /** Bytes per staged part (at least 5 MiB): the resumption granularity and each upload's buffer. */
        @WithDefault("8388608")
        int partBytes();

        /** Create the bucket at start when it does not exist. */
        @WithDefault("false")
        boolean createBucket();
    }

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

    /** Largest blob an upload may declare (bytes); larger ones are refused before anything is staged. */
    @WithDefault("17179869184")
    long maxBlobBytes();

    /**
     * Unfinished uploads one site (or one address, without authentication) may have staged; opening
     * one more discards its oldest idle one, or is refused when all are in progress.
     */
    @WithDefault("4")
    int siteStagedUploads();

    /** Bytes (declared sizes) of one site's unfinished uploads together, with the same rule. */
    @WithDefault("34359738368")
    long siteStagedBytes();

    /** Staged bytes of uploads untouched for this long are deleted at start. */
    @WithDefault("168h")
    Duration stagingTtl();
}
