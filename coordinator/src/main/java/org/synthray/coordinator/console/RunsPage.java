package org.synthray.coordinator.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.synthray.coordinator.federation.strategy.Strategies;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.coordinator.run.RunProgress;
import org.synthray.coordinator.run.RunService;
import org.synthray.coordinator.run.RunSpec;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.security.Roles;

/** Runs: the list, a form to create one, start and cancel, and the live run page. */
@Path("/console/runs")
@CsrfChecked
@RolesAllowed(Roles.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class RunsPage {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often the live page's event stream looks for news. */
    static final Duration POLL = Duration.ofSeconds(1);

    @Inject
    Caller caller;
    @Inject
    RunService runs;
    @Inject
    RunProgress progress;

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance runs(List<RunRecord> runs);

        static native TemplateInstance runForm(RunForm form, List<String> strategies, List<String> dpStrategies);

        static native TemplateInstance run(RunProgress.Progress p, String chart);

        static native TemplateInstance runStatus(RunProgress.Progress p);
    }

    @GET
    public TemplateInstance list() {
        return Templates.runs(runs.all());
    }

    @GET
    @Path("new")
    public TemplateInstance form() {
        return Templates.runForm(new RunForm(), Strategies.NAMES, Strategies.DP_CAPABLE);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@BeanParam RunForm form) {
        String spec = form.toSpec();
        if (spec != null) {
            try {
                RunRecord r = runs.create(spec, caller.admin());
                return Response.seeOther(URI.create("/console/runs/" + r.id)).build();
            } catch (RunSpec.InvalidRunSpecException e) {
                e.problems().forEach(p -> form.refusal(p.field().equals("strategy.name") ? "strategy" : p.field(), p.message()));
            } catch (IllegalArgumentException e) {
                form.refusal(RunForm.fieldOf(e.getMessage()), e.getMessage());
            }
        }
        return Response.status(422).entity(Templates.runForm(form, Strategies.NAMES, Strategies.DP_CAPABLE)).build();
    }

    @GET
    @Path("{id}")
    public TemplateInstance run(@PathParam("id") String id) {
        RunProgress.Progress p = progress.of(id);
        return Templates.run(p, chartJson(p));
    }

    @POST
    @Path("{id}/start")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response start(@PathParam("id") String id) {
        runs.start(id, caller.admin());
        return Response.seeOther(URI.create("/console/runs/" + id)).build();
    }

    @POST
    @Path("{id}/cancel")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response cancel(@PathParam("id") String id) {
        runs.cancel(id, caller.admin());
        return Response.seeOther(URI.create("/console/runs/" + id)).build();
    }

    /**
     * The live run page's server-sent events: whenever the run changes, a {@code status} event with the
     * status panel's HTML and a {@code chart} event with the loss series. Ends when the run has ended.
     */
    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @io.smallrye.common.annotation.Blocking // the run is looked up in the database before the stream opens
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        runs.get(id); // an unknown run is a 404 before the stream opens
        AtomicLong shown = new AtomicLong(Long.MIN_VALUE);
        AtomicBoolean ended = new AtomicBoolean();
        return Multi.createFrom().ticks().startingAfter(Duration.ZERO).every(POLL)
                .onOverflow().drop() // a slow database skips looks rather than queueing them
                // the database is read on a worker thread, never on the event loop
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> progress.of(id))
                // up to and including the first look at an ended run
                .select().first(p -> !ended.getAndSet(p.run().state.isFinal()))
                .select().where(p -> shown.getAndSet(p.version()) != p.version())
                .onItem().transformToMultiAndConcatenate(p -> {
                    List<OutboundSseEvent> out = new java.util.ArrayList<>(List.of(
                            sse.newEventBuilder().name("status").data(Templates.runStatus(p).render()).build(),
                            sse.newEventBuilder().name("chart").data(chartJson(p)).build()));
                    if (p.run().state.isFinal()) {
                        // tells the page to close the stream rather than let the browser reconnect
                        out.add(sse.newEventBuilder().name("end").data(p.run().state.name()).build());
                    }
                    return Multi.createFrom().iterable(out);
                });
    }

    static String chartJson(RunProgress.Progress p) {
        try {
            // "<" escaped: the JSON sits inside a script element of the run page
            return JSON.writeValueAsString(p.series()).replace("<", "\\u003c");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @ServerExceptionMapper
    public Response refused(IllegalStateException e) {
        return Response.status(409).type(MediaType.TEXT_HTML).entity(Templates.runs(runs.all()).data("error", e.getMessage()).render()).build();
    }
}
