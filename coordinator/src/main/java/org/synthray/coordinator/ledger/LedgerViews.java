package org.synthray.coordinator.ledger;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.synthray.json.CanonicalJson;

/** The ledger as the REST API and the console show it ({@link LedgerService#page}). */
public final class LedgerViews {
    private LedgerViews() {
    }

    /**
     * One event. {@code payload_text} is the stored canonical text that the hash covers; {@code payload}
     * is the same, parsed.
     */
    public record EventView(long seq, String time, String actor, String type, JsonNode payload,
                            @JsonProperty("payload_text") String payloadText,
                            @JsonProperty("prev_hash") String prevHash, String hash) {
        static EventView of(LedgerEvent e) {
            return new EventView(e.seq(), e.time(), e.actor(), e.type(), CanonicalJson.parse(e.payload()), e.payload(),
                    e.prevHash(), e.hash());
        }
    }

    /** Events in sequence order, the head's sequence number, and where the next page starts (null at the end). */
    public record EventPage(List<EventView> events, long head, @JsonProperty("next_after") Long nextAfter) {
    }

    public record VerifyView(boolean ok, long count,
                             @JsonProperty("head_seq") long headSeq,
                             @JsonProperty("head_hash") String headHash,
                             @JsonProperty("first_bad_seq") Long firstBadSeq,
                             String reason) {
        public static VerifyView of(LedgerService.Verification v) {
            return new VerifyView(v.ok(), v.count(), v.headSeq(), v.headHash(), v.firstBadSeq(), v.reason());
        }
    }
}
