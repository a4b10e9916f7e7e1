package org.synthray.coordinator.provenance;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import java.util.Map;
import org.synthray.coordinator.sets.ModelLineage;

/**
 * A synthetic set's model lineage from the coordinator's own records: the model version, the rounds
 * and site updates that made it, recursively. A model the coordinator never stored (a site's local
 * checkpoint) has no lineage here; the set's provenance then starts at the model itself.
 */
@ApplicationScoped
public class RecordedModelLineage implements ModelLineage {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ProvenanceService provenance;

    @Override
    public Map<String, Object> lineage(String modelSha256) {
        try {
            return JSON.convertValue(provenance.modelLineage(modelSha256).toJson(), new TypeReference<>() {});
        } catch (NotFoundException e) {
            return Map.of();
        }
    }
}
