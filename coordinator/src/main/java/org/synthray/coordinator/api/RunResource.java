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
import java.time.OffsetDateTime;
import java.util.List;
import org.synthray.coordinator.persistence.ModelVersionRecord;
import org.synthray.coordinator.persistence.ParticipationRecord;
import org.synthray.coordinator.persistence.RoundRecord;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.coordinator.run.RunExecutor;
import org.synthray.coordinator.run.RunService;

/** Federated runs: create from a JSON spec, start, cancel, and follow their rounds. */
@Path("/api/runs")
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    @Inject
    RunService runs;

    @Inject
    RunExecutor executor;

    @Inject
    io.quarkus.security.identity.SecurityIdentity identity;

    private String actor() {
        return org.synthray.coordinator.security.Callers.actor(identity);
    }

    public record RunView(String id, String name, String state, String strategy, int rounds, int lastCompletedRound,
                          String globalModel, String failureReason, OffsetDateTime createdAt, OffsetDateTime startedAt,
                          OffsetDateTime finishedAt) {
        static RunView of(RunRecord r) {
            return new RunView(r.id, r.name, r.state.name(), r.strategy, r.roundsTotal, r.lastCompletedRound,
                    r.globalModelSha256, r.failureReason, r.createdAt, r.startedAt, r.finishedAt);
        }
    }

    public record RoundView(int round, int attempt, String outcome, int asked, int answered, int rejected, int failed,
                            Double trainLoss, Double evalLoss, long bytesIn, long bytesOut, long durationMs, String model) {
        static RoundView of(RoundRecord r) {
            return new RoundView(r.roundNumber, r.attempt, r.outcome, r.sitesAsked, r.sitesAnswered, r.sitesRejected,
                    r.sitesFailed, r.trainLoss, r.evalLoss, r.bytesIn, r.bytesOut, r.durationMs, r.modelSha256);
        }
    }

    public record RunDetail(RunView run, String spec, List<RoundView> rounds) {
    }

    public record ParticipationView(String site, String phase, String outcome, String reason, Long numExamples,
                                    Double loss, String updateSha256) {
        static ParticipationView of(ParticipationRecord p) {
            return new ParticipationView(p.siteId, p.phase, p.outcome, p.reason, p.numExamples, p.loss, p.updateSha256);
        }
    }

    public record UpdateView(String site, String updateSha256, long numExamples) {
    }

    public record RoundDetail(int round, List<ParticipationView> sites, String model, String parentModel,
                              List<UpdateView> updates) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(String specJson) {
        RunRecord r = runs.create(specJson, actor());
        return Response.created(URI.create("/api/runs/" + r.id)).entity(RunView.of(r)).build();
    }

    @GET
    public List<RunView> list() {
        return runs.all().stream().map(RunView::of).toList();
    }

    @GET
    @Path("{id}")
    @jakarta.transaction.Transactional
    public RunDetail get(@PathParam("id") String id) {
        RunRecord r = runs.get(id);
        return new RunDetail(RunView.of(r), r.spec, RoundRecord.ofRun(id).stream().map(RoundView::of).toList());
    }

    @GET
    @Path("{id}/rounds/{round}")
    @jakarta.transaction.Transactional
    public RoundDetail round(@PathParam("id") String id, @PathParam("round") int round) {
        runs.get(id);
        List<ParticipationView> sites = ParticipationRecord.ofRound(id, round).stream().map(ParticipationView::of).toList();
        ModelVersionRecord v = ModelVersionRecord.ofRound(id, round).orElse(null);
        if (sites.isEmpty() && v == null) {
            throw new jakarta.ws.rs.NotFoundException("run " + id + " has no round " + round);
        }
        return new RoundDetail(round, sites, v != null ? v.sha256 : null, v != null ? v.parentSha256 : null,
                v == null ? List.of() : v.updates.stream().map(u -> new UpdateView(u.siteId, u.updateSha256, u.numExamples)).toList());
    }

    @POST
    @Path("{id}/start")
    public RunView start(@PathParam("id") String id) {
        RunRecord r = runs.markRunning(id, actor());
        executor.launch(id);
        return RunView.of(r);
    }

    @POST
    @Path("{id}/cancel")
    public RunView cancel(@PathParam("id") String id) {
        RunRecord r = runs.cancelCreated(id, actor());
        if (r.state == RunRecord.State.RUNNING && !executor.cancel(id)) {
            runs.markCancelled(id, actor());
        }
        return RunView.of(runs.get(id));
    }
}
