package org.synthray.coordinator.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import org.synthray.coordinator.model.ModelService;
import org.synthray.coordinator.model.ModelService.ModelView;
import org.synthray.coordinator.security.Roles;

/**
 * Models over REST: upload a base model ({@code .npz}) and its provenance, look a model up, download
 * its canonical {@code .npz}. Every model is named by its model identity (docs/provenance.md).
 */
@Path("/api/models")
@RolesAllowed(Roles.ADMIN)
public class ModelResource {

    @Inject
    ModelService models;

    @Inject
    org.synthray.coordinator.security.Caller caller;

    private String actor() {
        return caller.admin();
    }

    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(InputStream body) throws IOException {
        ModelView v = models.upload(body, actor());
        return Response.created(URI.create("/api/models/" + v.sha256())).entity(v).build();
    }

    @PUT
    @Path("{id}/provenance")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public ModelView describe(@PathParam("id") String id, String provenance) throws IOException {
        try {
            return models.describe(id, provenance, actor());
        } catch (NoSuchFileException e) {
            throw new NotFoundException("no model " + id);
        }
    }

    @GET
    @Path("{id}/info")
    // Sites look up and fetch global model versions to synthesize with them.
    @RolesAllowed({Roles.ADMIN, Roles.APPROVED_SITE})
    @Produces(MediaType.APPLICATION_JSON)
    public ModelView get(@PathParam("id") String id) {
        return models.find(id).orElseThrow(() -> new NotFoundException("no model " + id));
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.ADMIN, Roles.APPROVED_SITE})
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response download(@PathParam("id") String id) {
        ModelView v = models.find(id).orElseThrow(() -> new NotFoundException("no model " + id));
        return Response.ok((StreamingOutput) out -> {
            try (InputStream in = models.open(v.sha256())) {
                in.transferTo(out);
            }
        }).header("Content-Disposition", "attachment; filename=\"" + v.sha256() + ".npz\"")
                .header("Content-Length", v.sizeBytes()).build();
    }
}
