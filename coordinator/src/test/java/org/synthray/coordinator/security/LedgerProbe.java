package org.synthray.coordinator.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.synthray.coordinator.ledger.LedgerEvent;
import org.synthray.coordinator.ledger.LedgerService;

/** Reads the real ledger for the security tests: what a test's calls left there. */
@ApplicationScoped
public class LedgerProbe {
    @Inject
    LedgerService ledger;

    @Inject
    RefusalLedger refusals;

    /** The last event's seq, after writing the refusals still being counted (so they belong before it). */
    public long head() {
        refusals.flush();
        return ledger.head().seq();
    }

    /** Every event after {@code seq}, refusals counted so far written first. */
    public List<LedgerEvent> since(long seq) {
        refusals.flush();
        List<LedgerEvent> out = new ArrayList<>();
        long after = seq;
        while (true) {
            List<LedgerEvent> page = ledger.list(after, 1000);
            out.addAll(page);
            if (page.size() < 1000) {
                return out;
            }
            after = page.get(page.size() - 1).seq();
        }
    }

    /** Events after {@code seq} by {@code actor}. */
    public List<LedgerEvent> by(long seq, String actor) {
        return since(seq).stream().filter(e -> e.actor().equals(actor)).toList();
    }

    /** How many refused calls {@code ACCESS_REFUSED} events stand for (each carries a count). */
    public static long refusedCalls(List<LedgerEvent> events) {
        return events.stream().filter(e -> e.type().equals("ACCESS_REFUSED"))
                .mapToLong(e -> org.synthray.json.CanonicalJson.parse(e.payload()).path("count").asLong()).sum();
    }

    /** Events after {@code seq} of {@code type}. */
    public List<LedgerEvent> ofType(long seq, String type) {
        return since(seq).stream().filter(e -> e.type().equals(type)).toList();
    }
}
