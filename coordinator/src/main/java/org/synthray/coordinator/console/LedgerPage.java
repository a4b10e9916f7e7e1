package org.synthray.coordinator.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.synthray.auth.CallerHeaders;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.LedgerEvent;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.coordinator.security.Roles;

/** The provenance ledger, page by page with filters, and verification with one button. */
@Path("/console/ledger")
@CsrfChecked
@RolesAllowed(Roles.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class LedgerPage {
    static final int PAGE = 50;

    @Inject
    LedgerService ledger;

    /** The filter form as typed, shown again with its errors. */
    public record Filters(String type, String site, String run, String from, String to, long after) {
    }

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance ledger(List<LedgerEvent> events, Filters filters, Map<String, String> errors,
                                              List<String> types, Long next, LedgerService.Head head);

        static native TemplateInstance verification(LedgerService.Verification v, Instant at);
    }

    @GET
    public Response list(@QueryParam("type") String type, @QueryParam("site") String site, @QueryParam("run") String run,
                         @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("after") Long after) {
        Filters typed = new Filters(nz(type), nz(site), nz(run), nz(from), nz(to), after == null ? 0 : Math.max(0, after));
        Map<String, String> errors = new LinkedHashMap<>();
        EventType t = null;
        if (!typed.type().isEmpty()) {
            try {
                t = EventType.valueOf(typed.type());
            } catch (IllegalArgumentException e) {
                errors.put("type", "Choose an event type from the list.");
            }
        }
        if (!typed.site().isEmpty() && !CallerHeaders.isSiteId(typed.site())) {
            errors.put("site", "A site id has letters, digits, '.', '_' and '-' only.");
        }
        if (!typed.run().isEmpty() && !typed.run().matches("[A-Za-z0-9._-]{1,64}")) {
            errors.put("run", "A run id looks like run-0123456789ab.");
        }
        Instant f = date(typed.from(), "from", errors, 0);
        Instant u = date(typed.to(), "to", errors, 1);
        List<LedgerEvent> events = List.of();
        if (errors.isEmpty()) {
            events = ledger.list(new LedgerService.Filter(t, blankToNull(typed.site()), blankToNull(typed.run()), f, u),
                    typed.after(), PAGE);
        }
        Long next = events.size() == PAGE ? events.get(events.size() - 1).seq() : null;
        List<String> types = Arrays.stream(EventType.values()).map(Enum::name).sorted().toList();
        return Response.status(errors.isEmpty() ? 200 : 422)
                .entity(Templates.ledger(events, typed, errors, types, next, ledger.head())).build();
    }

    /** Walks the whole chain; the answer names the first event that does not match. */
    @POST
    @Path("verify")
    public TemplateInstance verify() {
        LedgerService.Verification v = ledger.verify();
        return Templates.verification(v, ledger.lastVerification().at());
    }

    private static Instant date(String s, String field, Map<String, String> errors, int plusDays) {
        if (s.isEmpty()) {
            return null;
        }
        try {
            return LocalDate.parse(s).plusDays(plusDays).atStartOfDay().toInstant(ZoneOffset.UTC);
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

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
