package org.synthray.coordinator.security;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Test-only endpoint standing for a site's own REST uploads: approved sites only. */
@Path("/api/test/site-only")
public class SiteOnlyTestResource {
    @Inject
    SecurityIdentity identity;

    @GET
    @RolesAllowed(Roles.APPROVED_SITE)
    public String whoAmI() {
        return Claims.string((JsonWebToken) identity.getPrincipal(), "site_id");
    }
}
