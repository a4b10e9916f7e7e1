package org.synthray.coordinator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.coordinator.run.RunService;
import org.synthray.coordinator.run.RunViews.RoundDetail;
import org.synthray.coordinator.run.RunViews.RunDetail;
import org.synthray.coordinator.run.RunViews.RunView;
import org.synthray.coordinator.security.Caller;

/** Federated runs: create from a JSON spec, start, cancel, and follow their rounds. */
@Path("/api/runs")
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    @Inject
    RunService runs;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(String specJson) {
        RunRecord r = runs.create(specJson, caller.admin());
        return Response.created(URI.create("/api/runs/" + r.id)).entity(RunView.of(r)).build();
    }

    @GET
    public List<RunView> list() {
        return runs.list();
    }

    @GET
    @Path("{id}")
    public RunDetail get(@PathParam("id") String id) {
        return runs.detail(id);
    }

    @GET
    @Path("{id}/rounds/{round}")
    public RoundDetail round(@PathParam("id") String id, @PathParam("round") int round) {
        return runs.round(id, round);
    }

    @POST
    @Path("{id}/start")
    public RunView start(@PathParam("id") String id) {
        return runs.start(id, caller.admin());
    }

    @POST
    @Path("{id}/cancel")
    public RunView cancel(@PathParam("id") String id) {
        return runs.cancel(id, caller.admin());
    }
}
