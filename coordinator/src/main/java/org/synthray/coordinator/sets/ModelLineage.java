package org.synthray.coordinator.sets;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.Map;

/**
 * Where a model version came from, as W3C PROV-JSON sections ({@code entity}, {@code activity},
 * {@code wasDerivedFrom}, …) to merge into a set's {@code prov.json}. The coordinator's provenance
 * service provides the real lineage (runs, rounds, site updates); without one, a set's provenance
 * starts at the model version itself.
 */
public interface ModelLineage {
    /** PROV-JSON sections describing how {@code modelSha256} was made; empty when unknown. */
    Map<String, Object> lineage(String modelSha256);

    /** The fallback: no lineage beyond the model version. */
    @ApplicationScoped
    class Fallback {
        @Produces
        @DefaultBean
        @ApplicationScoped
        ModelLineage none() {
            return sha -> Map.of();
        }
    }
}
