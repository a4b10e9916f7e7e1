package org.synthray.coordinator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.sets.Datasheet;
import org.synthray.coordinator.sets.SetArchive;
import org.synthray.coordinator.sets.SetReviewService;
import org.synthray.coordinator.sets.SetView;

/**
 * Synthetic sets for consortium admins: every set in every state, its datasheet, and the review:
 * uploaded → in review → released | rejected (each with a reason, each a ledger event).
 */
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
@Path("/api/sets")
@Produces(MediaType.APPLICATION_JSON)
public class SetResource {

    @Inject
    SetReviewService sets;

    @Inject
    Caller caller;

    /** Body of review, release and reject; every field optional except a rejection's reason. */
    public record Decision(String reason, String licence, String intendedUse) {
    }

    @GET
    public List<SetView> list(@QueryParam("state") String state) {
        return sets.list(state);
    }

    @GET
    @Path("{id}")
    public SetView get(@PathParam("id") String id) {
        return sets.get(id);
    }

    @GET
    @Path("{id}/datasheet")
    public Datasheet datasheet(@PathParam("id") String id) {
        return sets.datasheet(id);
    }

    @GET
    @Path("{id}/datasheet.md")
    @Produces("text/markdown; charset=utf-8")
    public String datasheetMarkdown(@PathParam("id") String id) {
        return SetArchive.datasheetMarkdown(sets.datasheet(id));
    }

    @POST
    @Path("{id}/review")
    public SetView review(@PathParam("id") String id, Decision d) {
        return sets.review(id, caller.admin(), d == null ? null : d.reason());
    }

    @POST
    @Path("{id}/release")
    public SetView release(@PathParam("id") String id, Decision d) {
        Decision x = d == null ? new Decision(null, null, null) : d;
        return sets.release(id, caller.admin(), x.reason(), x.licence(), x.intendedUse());
    }

    @POST
    @Path("{id}/reject")
    public SetView reject(@PathParam("id") String id, Decision d) {
        return sets.reject(id, caller.admin(), d == null ? null : d.reason());
    }
}
