package org.synthray.coordinator.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.InputStream;
import java.util.List;
import org.synthray.coordinator.provenance.ModelVersions;
import org.synthray.coordinator.provenance.ProvenanceService;
import org.synthray.coordinator.model.ModelService;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.coordinator.sets.SetReviewService;
import org.synthray.coordinator.sets.SetView;

/** Models: the versions runs made, each one's lineage as a picture, and downloads. */
@Path("/console/models")
@CsrfChecked
@RolesAllowed(Roles.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class ModelsPage {
    @Inject
    ModelVersions versions;
    @Inject
    ProvenanceService provenance;
    @Inject
    SetReviewService sets;
    @Inject
    ModelService models;

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance models(List<ModelVersions.Version> versions);

        static native TemplateInstance model(ModelVersions.Version version, String picture, List<SetView> sets);
    }

    @GET
    public TemplateInstance list() {
        return Templates.models(versions.recent());
    }

    @GET
    @Path("{sha256}")
    public TemplateInstance model(@PathParam("sha256") String sha) {
        if (!sha.matches("[0-9a-f]{64}")) {
            throw new NotFoundException("no model version " + sha);
        }
        ModelVersions.Version v = versions.find(sha)
                .orElseThrow(() -> new NotFoundException("no model version " + sha));
        List<SetView> made = sets.list((SyntheticSetRecord.State) null).stream().filter(s -> sha.equals(s.model())).toList();
        String picture = LineagePicture.svg(provenance.modelLineage(sha).toJson(), ProvenanceService.modelId(sha),
                made.stream().map(SetView::id).toList());
        return Templates.model(v, picture, made);
    }

    /** The version's weights (.npz), as the REST API's GET /api/models/{id} sends them. */
    @GET
    @Path("{sha256}/download")
    @Produces("application/octet-stream")
    public Response download(@PathParam("sha256") String sha) {
        ModelService.ModelView v = models.find(sha).orElseThrow(() -> new NotFoundException("no stored model " + sha));
        return Response.ok((StreamingOutput) out -> {
            try (InputStream in = models.open(v.sha256())) {
                in.transferTo(out);
            }
        }).header("Content-Disposition", "attachment; filename=\"model-" + v.sha256() + ".npz\"")
                .header("Content-Length", v.sizeBytes()).build();
    }
}
