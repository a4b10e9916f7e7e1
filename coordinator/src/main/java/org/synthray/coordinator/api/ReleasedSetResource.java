package org.synthray.coordinator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.util.List;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.sets.Datasheet;
import org.synthray.coordinator.sets.SetCatalogService;
import org.synthray.coordinator.sets.SetCatalogService.SetDownload;
import org.synthray.coordinator.sets.SetFilter;
import org.synthray.coordinator.sets.SetView;

/**
 * Released synthetic sets for researchers: list with filters, datasheet, and download as one ZIP
 * streamed from the blob store (never whole in memory). Sets in any other state do not exist here.
 */
@jakarta.annotation.security.RolesAllowed({org.synthray.coordinator.security.Roles.RESEARCHER, org.synthray.coordinator.security.Roles.ADMIN})
@Path("/api/released-sets")
@Produces(MediaType.APPLICATION_JSON)
public class ReleasedSetResource {

    @Inject
    SetCatalogService catalog;

    @Inject
    Caller caller;

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
        return catalog.released(SetFilter.parse(text, finding, site, model, from, to));
    }

    @GET
    @Path("{id}")
    public Datasheet get(@PathParam("id") String id) {
        return catalog.releasedDatasheet(id);
    }

    @GET
    @Path("{id}/download")
    @Produces("application/zip")
    public Response download(@PathParam("id") String id, @QueryParam("format") String format) throws IOException {
        SetDownload d = catalog.download(id, format, caller.researcher());
        StreamingOutput body = d.body()::writeTo;
        return Response.ok(body, "application/zip")
                .header("Content-Disposition", "attachment; filename=\"" + d.fileName() + "\"")
                .build();
    }
}
