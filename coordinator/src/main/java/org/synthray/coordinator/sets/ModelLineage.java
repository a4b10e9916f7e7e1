package org.synthray.coordinator.sets;

import java.util.Map;

/**
 * Where a model version came from, as W3C PROV-JSON sections ({@code entity}, {@code activity},
 * {@code wasDerivedFrom}, …) to merge into a set's {@code prov.json}: runs, rounds, site updates and
 * the sites that made them, as the provenance service records them.
 */
public interface ModelLineage {
    /** PROV-JSON sections describing how {@code modelSha256} was made; empty when the coordinator never saw it made. */
    Map<String, Object> lineage(String modelSha256);
}
