package org.synthray.coordinator.api;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.util.List;
import org.synthray.coordinator.persistence.SiteRecord;
import org.synthray.coordinator.security.Callers;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.security.SiteService;

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
    SecurityIdentity identity;

    public record SiteView(String id, String status, String firstSubject, OffsetDateTime enrolledAt,
                           OffsetDateTime decidedAt, String decidedBy, String reason) {
        static SiteView of(SiteRecord s) {
            return new SiteView(s.siteId, s.status.name(), s.firstSubject, s.enrolledAt, s.decidedAt, s.decidedBy, s.reason);
        }
    }

    public record RevokeRequest(String reason) {
    }

    @GET
    public List<SiteView> list() {
        return sites.list().stream().map(SiteView::of).toList();
    }

    @POST
    @Path("{id}/approve")
    public SiteView approve(@PathParam("id") String id) {
        return SiteView.of(sites.approve(id, Callers.actor(identity)));
    }

    @POST
    @Path("{id}/revoke")
    @Consumes(MediaType.APPLICATION_JSON)
    public SiteView revoke(@PathParam("id") String id, RevokeRequest body) {
        return SiteView.of(sites.revoke(id, Callers.actor(identity), body != null ? body.reason() : null));
    }
}
