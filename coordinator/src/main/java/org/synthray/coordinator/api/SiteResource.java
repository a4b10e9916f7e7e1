package org.synthray.coordinator.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.security.SiteService;
import org.synthray.coordinator.security.SiteView;

/**
 * The consortium's sites (admins only): a site that calls for the first time is pending; an admin
 * approves it, or revokes it, which refuses its next call and closes its open streams.
 */
@Path("/api/sites")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class SiteResource {

    @Inject
    SiteService sites;

    @Inject
    Caller caller;

    public record RevokeRequest(String reason) {
    }

    @GET
    public List<SiteView> list() {
        return sites.list();
    }

    @POST
    @Path("{id}/approve")
    public SiteView approve(@PathParam("id") String id) {
        return sites.approve(id, caller.admin());
    }

    @POST
    @Path("{id}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    public SiteView revoke(@PathParam("id") String id, RevokeRequest body) {
        return sites.revoke(id, caller.admin(), body != null ? body.reason() : null);
    }
}
