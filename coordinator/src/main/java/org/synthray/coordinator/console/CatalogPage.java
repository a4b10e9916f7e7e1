package org.synthray.coordinator.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
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
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.auth.CallerHeaders;
import org.synthray.coordinator.persistence.SyntheticSetRecord.State;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.sets.SetArchive;
import org.synthray.coordinator.sets.SetImages;
import org.synthray.coordinator.sets.Datasheet;
import org.synthray.coordinator.sets.SetCatalogService;
import org.synthray.coordinator.sets.SetCatalogService.SetDownload;
import org.synthray.coordinator.sets.SetFilter;
import org.synthray.coordinator.sets.SetView;

/** The researchers' catalog: released sets with filters, samples, the datasheet, and ZIP downloads. */
@Path("/console/catalog")
@CsrfChecked
@RolesAllowed({Roles.RESEARCHER, Roles.ADMIN})
@Produces(MediaType.TEXT_HTML)
public class CatalogPage {
    static final int SAMPLES = 4;
    static final int GALLERY_PAGE = 48;

    @Inject
    Caller caller;
    @Inject
    SetCatalogService catalog;
    @Inject
    SetImages images;

    /** The filter form as typed. */
    public record Filters(String q, String site, String model, String from, String to, String minImages) {
    }

    /** A released set with a few of its images' sequence numbers for thumbnails. */
    public record Listed(SetView set, List<Integer> samples) {
    }

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance catalog(List<Listed> sets, Filters filters, Map<String, String> errors);

        static native TemplateInstance catalogSet(Datasheet sheet, SetImages.Page page, String datasheet);
    }

    @GET
    public Response list(@QueryParam("q") String q, @QueryParam("site") String site, @QueryParam("model") String model,
                         @QueryParam("from") String from, @QueryParam("to") String to,
                         @QueryParam("min_images") String minImages) throws IOException {
        Filters typed = new Filters(nz(q), nz(site), nz(model), nz(from), nz(to), nz(minImages));
        Map<String, String> errors = new LinkedHashMap<>();
        if (!typed.site().isEmpty() && !CallerHeaders.isSiteId(typed.site())) {
            errors.put("site", "A site id has letters, digits, '.', '_' and '-' only.");
        }
        if (!typed.model().isEmpty() && !typed.model().matches("[0-9a-fA-F]{1,64}")) {
            errors.put("model", "A model is named by (the start of) its SHA-256, in hex.");
        }
        LocalDate f = date(typed.from(), "from", errors);
        LocalDate t = date(typed.to(), "to", errors);
        int min = 0;
        if (!typed.minImages().isEmpty()) {
            try {
                min = Integer.parseInt(typed.minImages());
                if (min < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                errors.put("min_images", "Enter a whole number of images, 0 or more.");
            }
        }
        List<Listed> out = new java.util.ArrayList<>();
        if (errors.isEmpty()) {
            for (SetView s : catalog.released(new SetFilter(blankToNull(typed.q()), blankToNull(typed.site()),
                    blankToNull(typed.model()), f, t))) {
                if (s.images() >= min) {
                    out.add(new Listed(s, images.page(s.id(), 0, SAMPLES, State.RELEASED).entries().stream()
                            .map(e -> e.seq()).toList()));
                }
            }
        }
        return Response.status(errors.isEmpty() ? 200 : 422).entity(Templates.catalog(out, typed, errors)).build();
    }

    @GET
    @Path("{id}")
    public TemplateInstance set(@PathParam("id") String id, @QueryParam("offset") int offset) throws IOException {
        Datasheet sheet = catalog.releasedDatasheet(id);
        return Templates.catalogSet(sheet, images.page(id, Math.max(0, offset), GALLERY_PAGE, State.RELEASED),
                SetArchive.datasheetMarkdown(sheet));
    }

    @GET
    @Path("{id}/images/{seq}")
    @Produces({"image/png", "application/dicom"})
    public Response image(@PathParam("id") String id, @PathParam("seq") int seq, @QueryParam("dicom") boolean dicom) throws IOException {
        SetImages.Image img = images.image(id, seq, dicom, State.RELEASED);
        return Response.ok(img.body(), img.mediaType()).header("Cache-Control", "private, max-age=3600")
                .header("X-Content-Type-Options", "nosniff").build();
    }

    /** The ZIP, streamed: the browser shows the download's progress itself. */
    @GET
    @Path("{id}/download")
    @Produces("application/zip")
    public Response download(@PathParam("id") String id, @QueryParam("format") String format) throws IOException {
        SetDownload d = catalog.download(id, format, caller.researcher());
        StreamingOutput body = d.body()::writeTo;
        return Response.ok(body, "application/zip")
                .header("Content-Disposition", "attachment; filename=\"" + d.fileName() + "\"").build();
    }

    private static LocalDate date(String s, String field, Map<String, String> errors) {
        if (s.isEmpty()) {
            return null;
        }
        try {
            return LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            errors.put(field, "Enter a date like 2026-12-01.");
            return null;
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s.strip().length() > 200 ? s.strip().substring(0, 200) : s.strip();
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
