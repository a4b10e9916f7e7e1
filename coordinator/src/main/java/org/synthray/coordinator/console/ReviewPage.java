package org.synthray.coordinator.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;
import org.synthray.coordinator.persistence.SyntheticSetRecord.State;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.sets.SetImages;
import org.synthray.coordinator.sets.Datasheet;
import org.synthray.coordinator.sets.SetReviewService;
import org.synthray.coordinator.sets.SetView;

/** Set review: the sets sites have published, a gallery of each, and release or reject with a reason. */
@Path("/console/review")
@CsrfChecked
@RolesAllowed(Roles.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class ReviewPage {
    static final int GALLERY_PAGE = 48;
    static final int MAX_TEXT = 2000;
    private static final State[] REVIEWABLE = {State.UPLOADED, State.IN_REVIEW, State.RELEASED, State.REJECTED};

    @Inject
    Caller caller;
    @Inject
    SetReviewService sets;
    @Inject
    SetImages images;

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance review(List<SetView> waiting, List<SetView> decided);

        static native TemplateInstance reviewSet(Datasheet sheet, SetImages.Page page, Map<String, String> errors,
                                                 Map<String, String> values);
    }

    @GET
    public TemplateInstance list() {
        List<SetView> waiting = sets.awaitingReview();
        List<SetView> decided = new java.util.ArrayList<>(sets.list(State.RELEASED));
        decided.addAll(sets.list(State.REJECTED));
        return Templates.review(waiting, decided);
    }

    @GET
    @Path("{id}")
    public TemplateInstance set(@PathParam("id") String id, @QueryParam("offset") @DefaultValue("0") int offset) throws IOException {
        return page(id, offset, Map.of(), Map.of());
    }

    private TemplateInstance page(String id, int offset, Map<String, String> errors, Map<String, String> values) throws IOException {
        return Templates.reviewSet(sets.datasheet(id), images.page(id, Math.max(0, offset), GALLERY_PAGE, REVIEWABLE), errors, values);
    }

    /** One image of a set under review, as the gallery shows it. */
    @GET
    @Path("{id}/images/{seq}")
    @Produces({"image/png", "application/dicom"})
    public Response image(@PathParam("id") String id, @PathParam("seq") int seq, @QueryParam("dicom") boolean dicom) throws IOException {
        SetImages.Image img = images.image(id, seq, dicom, REVIEWABLE);
        return Response.ok(img.body(), img.mediaType()).header("Cache-Control", "private, max-age=3600")
                .header("X-Content-Type-Options", "nosniff").build();
    }

    @POST
    @Path("{id}/review")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response startReview(@PathParam("id") String id) {
        sets.review(id, caller.admin(), null);
        return back(id);
    }

    @POST
    @Path("{id}/release")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Object release(@PathParam("id") String id, @RestForm String reason, @RestForm String licence,
                          @RestForm("intended_use") String intendedUse) throws IOException {
        Map<String, String> errors = new java.util.LinkedHashMap<>();
        tooLong(errors, "release_reason", reason);
        tooLong(errors, "licence", licence);
        tooLong(errors, "intended_use", intendedUse);
        if (!errors.isEmpty()) {
            return Response.status(422).entity(page(id, 0, errors, values("release_reason", reason, "licence", licence,
                    "intended_use", intendedUse))).build();
        }
        sets.release(id, caller.admin(), reason, licence, intendedUse);
        return back(id);
    }

    @POST
    @Path("{id}/reject")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Object reject(@PathParam("id") String id, @RestForm String reason) throws IOException {
        Map<String, String> errors = new java.util.LinkedHashMap<>();
        if (reason == null || reason.isBlank()) {
            errors.put("reject_reason", "Say why the set is rejected: the site and the ledger see the reason.");
        }
        tooLong(errors, "reject_reason", reason);
        if (!errors.isEmpty()) {
            return Response.status(422).entity(page(id, 0, errors, values("reject_reason", reason))).build();
        }
        sets.reject(id, caller.admin(), reason);
        return back(id);
    }

    private static void tooLong(Map<String, String> errors, String field, String value) {
        if (value != null && value.length() > MAX_TEXT) {
            errors.put(field, "Keep this under " + MAX_TEXT + " characters.");
        }
    }

    private static Map<String, String> values(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1] == null ? "" : kv[i + 1]);
        }
        return m;
    }

    private static Response back(String id) {
        return Response.seeOther(URI.create("/console/review/" + id)).build();
    }
}
