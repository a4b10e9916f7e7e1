package org.synthray.coordinator.provenance;

import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.List;
import org.synthray.coordinator.persistence.ModelVersionRecord;

/** The model versions the coordinator has recorded: what the console's Models page lists. */
@ApplicationScoped
public class ModelVersions {
    /** At most this many versions are listed, newest first. */
    public static final int MAX = 200;

    public record Update(String site, String sha256, long numExamples) {
    }

    public record Version(String sha256, String kind, String run, int round, String parent, long parameters, long sizeBytes,
                          OffsetDateTime createdAt, List<Update> updates) {
    }

    @Transactional
    public List<Version> recent() {
        return ModelVersionRecord.<ModelVersionRecord>findAll(Sort.descending("id")).page(0, MAX).list().stream()
                .map(ModelVersions::view).toList();
    }

    /** The version with this SHA-256 (the first record of it, when several runs made the same weights). */
    @Transactional
    public java.util.Optional<Version> find(String sha256) {
        return ModelVersionRecord.withSha(sha256).stream().findFirst().map(ModelVersions::view);
    }

    private static Version view(ModelVersionRecord v) {
        return new Version(v.sha256, v.kind.name(), v.runId, v.roundNumber, v.parentSha256, v.parameterCount,
                v.sizeBytes, v.createdAt, v.updates.stream().map(u -> new Update(u.siteId, u.updateSha256, u.numExamples)).toList());
    }
}
