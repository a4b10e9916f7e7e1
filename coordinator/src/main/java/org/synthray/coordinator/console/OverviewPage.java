package org.synthray.coordinator.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.coordinator.run.RunService;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.security.SiteService;
import org.synthray.coordinator.security.SiteView;
import org.synthray.coordinator.sets.SetReviewService;
import org.synthray.coordinator.sets.SetView;

/** The console's front page: where the consortium stands, at a glance. Researchers land on the catalog. */
@Path("/console")
@CsrfChecked
@Produces(MediaType.TEXT_HTML)
public class OverviewPage {
    @Inject
    ConsoleUser user;
    @Inject
    SiteService sites;
    @Inject
    RunService runs;
    @Inject
    SetReviewService sets;
    @Inject
    LedgerService ledger;
    @Inject
    ClientRegistry clients;

    /** Sites by status, and which of them have a stream open now. */
    public record SiteCounts(long pending, long approved, long revoked, List<String> connected) {
    }

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance overview(SiteCounts sites, List<RunRecord> running, List<SetView> waiting,
                                                LedgerService.Head head, LedgerService.CheckedAt lastVerification);

        static native TemplateInstance signedOut();
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.RESEARCHER})
    public Object overview() {
        if (!user.admin()) {
            return Response.seeOther(URI.create("/console/catalog")).build();
        }
        Map<String, Long> byStatus = new TreeMap<>();
        for (SiteView s : sites.list()) {
            byStatus.merge(s.status(), 1L, Long::sum);
        }
        List<String> connected = clients.connected().stream().map(c -> c.siteId()).filter(s -> s != null).distinct().sorted().toList();
        SiteCounts counts = new SiteCounts(byStatus.getOrDefault("PENDING", 0L),
                byStatus.getOrDefault("APPROVED", 0L), byStatus.getOrDefault("REVOKED", 0L), connected);
        return Templates.overview(counts, runs.inState(RunRecord.State.RUNNING), sets.awaitingReview(), ledger.head(), ledger.lastVerification());
    }

    /** Where Keycloak sends a person after signing out: no sign-in needed to see it. */
    @GET
    @Path("signed-out")
    @PermitAll
    public TemplateInstance signedOut() {
        return Templates.signedOut();
    }
}
