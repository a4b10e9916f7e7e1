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
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import org.synthray.coordinator.run.ModelStore;
import org.synthray.tensor.Weights;

/** Model files ({@code .npz}): upload a run's initial model, download any stored version. */
@Path("/api/models")
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
public class ModelResource {

    @Inject
    ModelStore models;

    public record ModelView(String sha256, int tensors, long parameters, long sizeBytes) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(InputStream body) throws IOException {
        // Spooled to a file and memory-mapped: a model of any size passes through without filling the heap.
        java.nio.file.Path tmp = Files.createTempFile("synthray-upload-", ".npz");
        try {
            Files.copy(body, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Weights w;
            try {
                w = org.synthray.tensor.MappedNpz.read(tmp);
            } catch (IllegalArgumentException | IOException e) {
                throw new IllegalArgumentException("not a usable .npz model: " + e.getMessage());
            }
            if (w.size() == 0) {
                throw new IllegalArgumentException("not a usable .npz model: no .npy arrays in it (numpy.savez writes one per array)");
            }
            ModelStore.Stored s = models.put(w);
            return Response.created(URI.create("/api/models/" + s.sha256()))
                    .entity(new ModelView(s.sha256(), w.size(), w.parameterCount(), s.sizeBytes())).build();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @GET
    @Path("{sha256}")
    // Sites fetch global model versions to synthesize with them.
    @jakarta.annotation.security.RolesAllowed({org.synthray.coordinator.security.Roles.ADMIN, org.synthray.coordinator.security.Roles.APPROVED_SITE})
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response download(@PathParam("sha256") String sha256) {
        if (!models.exists(sha256)) {
            throw new jakarta.ws.rs.NotFoundException("no model " + sha256);
        }
        java.nio.file.Path file = models.path(sha256);
        return Response.ok((jakarta.ws.rs.core.StreamingOutput) out -> Files.copy(file, out))
                .header("Content-Disposition", "attachment; filename=\"" + sha256 + ".npz\"").build();
    }
}
