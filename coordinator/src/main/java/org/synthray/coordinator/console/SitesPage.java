package org.synthray.coordinator.console;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.security.Caller;
import org.synthray.coordinator.security.Roles;
import org.synthray.coordinator.security.SiteView;
import org.synthray.coordinator.security.SiteHistory;
import org.synthray.coordinator.security.SiteService;

/** Sites: approve a pending one, revoke one with a reason, see each site's history. */
@Path("/console/sites")
@CsrfChecked
@RolesAllowed(Roles.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class SitesPage {
    static final int MAX_REASON = 500;

    @Inject
    Caller caller;
    @Inject
    SiteService sites;
    @Inject
    SiteHistory history;
    @Inject
    ClientRegistry clients;

    @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
    static class Templates {
        static native TemplateInstance sites(List<SiteView> sites, List<String> connected, Map<String, String> errors,
                                             Map<String, String> values);

        static native TemplateInstance site(SiteView site, boolean connected, SiteHistory.History history);
    }

    @GET
    public TemplateInstance list() {
        return page(Map.of(), Map.of());
    }

    private TemplateInstance page(Map<String, String> errors, Map<String, String> values) {
        List<String> connected = clients.connected().stream().map(c -> c.siteId()).filter(s -> s != null).distinct().toList();
        return Templates.sites(sites.list(), connected, errors, values);
    }

    @GET
    @Path("{id}")
    public TemplateInstance site(@PathParam("id") String id) {
        SiteView s = sites.list().stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new jakarta.ws.rs.NotFoundException("no site " + id));
        boolean connected = clients.connected().stream().anyMatch(c -> id.equals(c.siteId()));
        return Templates.site(s, connected, history.of(id));
    }

    @POST
    @Path("{id}/approve")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response approve(@PathParam("id") String id) {
        sites.approve(id, caller.admin());
        return Response.seeOther(URI.create("/console/sites")).build();
    }

    @POST
    @Path("{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Object revoke(@PathParam("id") String id, @RestForm String reason) {
        String r = reason == null ? "" : reason.strip();
        if (r.isEmpty() || r.length() > MAX_REASON) {
            String error = r.isEmpty() ? "Say why the site is revoked: the reason goes into the ledger."
                    : "Keep the reason under " + MAX_REASON + " characters.";
            return Response.status(422).entity(page(Map.of(id, error), Map.of(id, reason == null ? "" : reason))).build();
        }
        sites.revoke(id, caller.admin(), r);
        return Response.seeOther(URI.create("/console/sites")).build();
    }
}
