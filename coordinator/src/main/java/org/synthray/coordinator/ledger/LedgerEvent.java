package org.synthray.coordinator.ledger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.synthray.json.CanonicalJson;
import org.synthray.json.HashChain;

/**
 * One ledger event as stored. {@code payload} is canonical JSON text, kept verbatim; {@code hash}
 * chains it to the event before: {@code SHA-256(prevHash ‖ canonical())}.
 *
 * @param time UTC, millisecond precision, written {@code 2026-01-31T12:34:56.789Z}
 */
public record LedgerEvent(long seq, String time, String actor, String type, String payload, String prevHash, String hash) {

    /** The time format inside the hashed text: fixed width, UTC, milliseconds. */
    public static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    public static String time(Instant t) {
        return TIME.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * The canonical JSON text that is hashed: the object {@code {"actor","payload","seq","time","type"}}
     * with keys in that (sorted) order, no whitespace, and the payload's stored canonical text
     * inserted verbatim.
     */
    public static String canonical(long seq, String time, String actor, String type, String payload) {
        return "{\"actor\":" + CanonicalJson.write(actor)
                + ",\"payload\":" + payload
                + ",\"seq\":" + seq
                + ",\"time\":" + CanonicalJson.write(time)
                + ",\"type\":" + CanonicalJson.write(type) + "}";
    }

    public String canonical() {
        return canonical(seq, time, actor, type, payload);
    }

    /** The hash this event should have after {@code previousHash}. */
    public String expectedHash(String previousHash) {
        return HashChain.link(previousHash, canonical());
    }
}
