package org.synthray.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.synthray.coordinator.provenance.ProvenanceService;

/**
 * W3C PROV-JSON provenance of what the consortium made (docs/provenance.md). Admins only: a lineage
 * names sites, runs and update hashes, which researchers may not see (docs/security.md).
 */
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
@Path("/api/provenance")
@Produces(MediaType.APPLICATION_JSON)
public class ProvenanceResource {

    @Inject
    ProvenanceService provenance;

    /** A model version, the rounds and site updates that made it, and the versions before it. */
    @GET
    @Path("models/{sha256}")
    public ObjectNode model(@PathParam("sha256") String sha256) {
        return provenance.modelLineage(sha256).toJson();
    }
}
