package org.synthray.coordinator.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.coordinator.ledger.LedgerViews.EventPage;
import org.synthray.coordinator.ledger.LedgerViews.VerifyView;

/** The provenance ledger: its events, and a walk of its hash chain (docs/provenance.md). */
@Path("/api/ledger")
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
public class LedgerResource {

    @Inject
    LedgerService ledger;

    /** Events after sequence number {@code after}, at most {@code limit} (1 to 1000). */
    @GET
    public EventPage list(@QueryParam("after") @DefaultValue("0") long after,
                          @QueryParam("limit") @DefaultValue("100") int limit) {
        return ledger.events(after, limit);
    }

    /** Walks the whole chain; {@code ok: false} names the first event that does not match. */
    @GET
    @Path("verify")
    public VerifyView verify() {
        return VerifyView.of(ledger.verify());
    }
}
