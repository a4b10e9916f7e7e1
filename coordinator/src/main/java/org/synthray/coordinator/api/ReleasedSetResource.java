package org.synthray.coordinator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.synthray.coordinator.sets.SetDownloads;
import org.synthray.coordinator.sets.SetService;
import org.synthray.coordinator.sets.SetService.Datasheet;
import org.synthray.coordinator.sets.SetService.SetView;

/**
 * Released synthetic sets for researchers: list with filters, datasheet, and download as one ZIP
 * streamed from the blob store (never whole in memory). Sets in any other state do not exist here.
 */
@jakarta.annotation.security.RolesAllowed({org.synthray.coordinator.security.Roles.RESEARCHER, org.synthray.coordinator.security.Roles.ADMIN})
@Path("/api/released-sets")
@Produces(MediaType.APPLICATION_JSON)
public class ReleasedSetResource {

    @Inject
    SetService sets;

    @Inject
    SetDownloads downloads;

    /**
     * @param text    words in a prompt, e.g. a finding ({@code effusion})
     * @param finding the same, by its usual name
     * @param from    released on or after (ISO date)
     * @param to      released on or before (ISO date)
     */
    @GET
    public List<SetView> list(@QueryParam("q") String text, @QueryParam("finding") String finding,
                              @QueryParam("site") String site, @QueryParam("model") String model,
                              @QueryParam("from") String from, @QueryParam("to") String to) {
        return sets.released(new SetService.Filter(text != null && !text.isBlank() ? text : finding, site, model,
                date("from", from), date("to", to)));
    }

    private static LocalDate date(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be a date like 2026-11-28, got '" + value + "'");
        }
    }

    @GET
    @Path("{id}")
    public Datasheet get(@PathParam("id") String id) {
        return sets.releasedDatasheet(id);
    }

    @GET
    @Path("{id}/download")
    @Produces("application/zip")
    public Response download(@PathParam("id") String id, @QueryParam("format") String formatName,
                             @Context HttpHeaders headers) throws IOException {
        SetDownloads.Download d = downloads.prepare(id, formatName, Actors.researcher(headers));
        StreamingOutput body = d.body()::writeTo;
        return Response.ok(body, "application/zip")
                .header("Content-Disposition", "attachment; filename=\"" + d.fileName() + "\"")
                .build();
    }
}
