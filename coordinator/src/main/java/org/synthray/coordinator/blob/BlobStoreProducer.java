package org.synthray.coordinator.blob;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The coordinator's {@link BlobStore}: a {@link FileBlobStore} under {@code synthray.blobs.dir} (the
 * default), or an {@link S3BlobStore} when {@code synthray.blobs.store=s3}.
 */
@ApplicationScoped
public class BlobStoreProducer {
    private static final Logger LOG = Logger.getLogger(BlobStoreProducer.class.getName());

    @Produces
    @Singleton
    BlobStore blobStore(BlobConfig config) {
        switch (config.store()) {
            case "file":
                break;
            case "s3":
                return s3(config);
            default:
                throw new IllegalArgumentException("synthray.blobs.store must be file or s3, got '" + config.store() + "'");
        }
        Path dir = Path.of(config.dir()).toAbsolutePath().normalize();
        try {
            FileBlobStore store = new FileBlobStore(dir);
            int purged = store.purgeStaging(config.stagingTtl());
            LOG.info(() -> "blob store at " + dir + (purged > 0 ? " (" + purged + " stale partial uploads removed)" : ""));
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the blob store at " + dir + " (synthray.blobs.dir): "
                    + e.getMessage(), e);
        }
    }

    private static BlobStore s3(BlobConfig config) {
        BlobConfig.S3 c = config.s3();
        S3BlobStore.Settings settings = new S3BlobStore.Settings(c.endpoint().map(java.net.URI::create),
                c.bucket().orElse(null), c.region(), c.accessKeyId(), c.secretAccessKey(), c.pathStyle(),
                c.keyPrefix().orElse(""), c.partBytes(), c.createBucket());
        S3BlobStore store = new S3BlobStore(settings);
        try {
            int purged = store.purgeStaging(config.stagingTtl());
            LOG.info(() -> "blob store in S3 bucket " + settings.bucket() + c.endpoint().map(e -> " at " + e).orElse("")
                    + (purged > 0 ? " (" + purged + " stale staged parts removed)" : ""));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the S3 blob store (synthray.blobs.s3.*): " + e.getMessage(), e);
        }
        return store;
    }
}
