package org.synthray.coordinator.blob;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.logging.Logger;

/** The coordinator's {@link BlobStore}: a {@link FileBlobStore} under {@code synthray.blobs.dir}. */
@ApplicationScoped
public class BlobStoreProducer {
    private static final Logger LOG = Logger.getLogger(BlobStoreProducer.class.getName());

    @Produces
    @Singleton
    BlobStore blobStore(BlobConfig config) {
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
}
