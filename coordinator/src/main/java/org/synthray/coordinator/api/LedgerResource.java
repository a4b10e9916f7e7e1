package org.synthray.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.synthray.coordinator.ledger.LedgerEvent;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.json.CanonicalJson;

/** The provenance ledger: its events, and a walk of its hash chain (docs/provenance.md). */
@Path("/api/ledger")
@jakarta.annotation.security.RolesAllowed(org.synthray.coordinator.security.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
public class LedgerResource {
    static final int MAX_LIMIT = 1000;

    @Inject
    LedgerService ledger;

    /**
     * One event. {@code payload_text} is the stored canonical text that the hash covers; {@code payload}
     * is the same, parsed.
     */
    public record EventView(long seq, String time, String actor, String type, JsonNode payload,
                            @com.fasterxml.jackson.annotation.JsonProperty("payload_text") String payloadText,
                            @com.fasterxml.jackson.annotation.JsonProperty("prev_hash") String prevHash, String hash) {
        static EventView of(LedgerEvent e) {
            return new EventView(e.seq(), e.time(), e.actor(), e.type(), CanonicalJson.parse(e.payload()), e.payload(),
                    e.prevHash(), e.hash());
        }
    }

    public record EventPage(List<EventView> events, long head,
                            @com.fasterxml.jackson.annotation.JsonProperty("next_after") Long nextAfter) {
    }

    public record VerifyView(boolean ok, long count,
                             @com.fasterxml.jackson.annotation.JsonProperty("head_seq") long headSeq,
                             @com.fasterxml.jackson.annotation.JsonProperty("head_hash") String headHash,
                             @com.fasterxml.jackson.annotation.JsonProperty("first_bad_seq") Long firstBadSeq,
                             String reason) {
    }

    /** Events after sequence number {@code after}, at most {@code limit} (1 to 1000). */
    @GET
    public EventPage list(@QueryParam("after") @DefaultValue("0") long after,
                          @QueryParam("limit") @DefaultValue("100") int limit) {
        if (after < 0 || limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("after must be >= 0 and limit between 1 and " + MAX_LIMIT);
        }
        long head = ledger.head().seq();
        List<EventView> events = ledger.list(after, limit).stream().map(EventView::of).toList();
        Long next = events.size() == limit ? events.get(events.size() - 1).seq() : null;
        return new EventPage(events, head, next);
    }

    /** Walks the whole chain; {@code ok: false} names the first event that does not match. */
    @GET
    @Path("verify")
    public VerifyView verify() {
        LedgerService.Verification v = ledger.verify();
        return new VerifyView(v.ok(), v.count(), v.headSeq(), v.headHash(), v.firstBadSeq(), v.reason());
    }
}
