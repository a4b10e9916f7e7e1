package org.synthray.coordinator.blob;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.synthray.blob.BlobRef;

/** The upload sessions a store has open: at most one per blob. Both stores keep theirs here. */
final class OpenUploads<U extends BlobStore.Upload> {
    /** Opens a registered session (creates or resumes its staging). */
    @FunctionalInterface
    interface Opener<U> {
        void open(U upload) throws IOException;
    }

    private final Map<String, U> open = new ConcurrentHashMap<>();

    /**
     * {@link BlobStore#beginUpload}: empty when the blob is stored (also when it was published by a
     * session that ended between the checks); else a new, opened session.
     *
     * @throws BlobStore.UploadInProgressException when a session for this blob is open
     */
    Optional<BlobStore.Upload> begin(BlobStore store, BlobRef expected, Function<BlobRef, U> create, Opener<U> opener)
            throws IOException {
        String sha = expected.sha256();
        if (store.exists(sha)) {
            return Optional.empty();
        }
        U u = create.apply(expected);
        if (open.putIfAbsent(sha, u) != null) {
            throw new BlobStore.UploadInProgressException(sha);
        }
        try {
            if (store.exists(sha)) { // published by a session that ended between the two checks
                open.remove(sha, u);
                return Optional.empty();
            }
            opener.open(u);
            return Optional.of(u);
        } catch (IOException | RuntimeException e) {
            open.remove(sha, u);
            throw e;
        }
    }

    boolean isOpen(String sha256) {
        return open.containsKey(sha256);
    }

    /** A session ended (completed, closed or discarded). */
    void ended(String sha256, U upload) {
        open.remove(sha256, upload);
    }
}
