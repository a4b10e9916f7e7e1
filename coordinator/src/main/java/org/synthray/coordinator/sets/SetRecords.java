package org.synthray.coordinator.sets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.manifest.Manifest;

/** Finding stored sets and their manifests: what intake, review and the catalog share. */
@ApplicationScoped
public class SetRecords {
    @Inject
    BlobStore store;

    /** The set's verified manifest, read from the blob store. */
    public Manifest manifest(SyntheticSetRecord r) throws IOException {
        try (InputStream in = store.open(r.manifestSha256, 0)) {
            return Manifest.read(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }

    @Transactional
    public Optional<SyntheticSetRecord> find(String id) {
        return Optional.ofNullable(SyntheticSetRecord.findById(id));
    }

    /** The set, inside the caller's transaction; {@link NoSuchSetException} when there is none. */
    static SyntheticSetRecord load(String id) {
        SyntheticSetRecord r = id == null ? null : SyntheticSetRecord.findById(id);
        if (r == null) {
            throw new NoSuchSetException(id);
        }
        return r;
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
