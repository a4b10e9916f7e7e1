package org.synthray.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code synthray-admin ledger …}: the provenance ledger (docs/provenance.md). */
@Command(name = "ledger", description = "The provenance ledger (docs/provenance.md).", mixinStandardHelpOptions = true,
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.ListEvents.class})
final class LedgerCommand {

    @Command(name = "verify", description = "Walk the hash chain; exit 0 if every event matches, 1 naming the first that does not.")
    static final class Verify extends AdminCommand {
        @Override
        int run() throws Exception {
            JsonNode v = api().get("/api/ledger/verify");
            if (v.get("ok").asBoolean()) {
                out().printf(Locale.ROOT, "ledger ok: %d events, head %d %s%n", v.get("count").asLong(),
                        v.get("head_seq").asLong(), v.get("head_hash").asText());
                return 0;
            }
            out().printf(Locale.ROOT, "ledger BROKEN at event %d: %s (%d events before it match)%n",
                    v.get("first_bad_seq").asLong(), v.get("reason").asText(), v.get("count").asLong());
            return 1;
        }
    }

    @Command(name = "list", description = "Print events in order: seq, time, actor, type, payload.")
    static final class ListEvents extends AdminCommand {
        @Option(names = "--after", defaultValue = "0", description = "Start after this sequence number. Default: ${DEFAULT-VALUE}.")
        long after;
        @Option(names = "--limit", defaultValue = "100", description = "At most this many events (any number; fetched 1000 at a time). Default: ${DEFAULT-VALUE}.")
        long limit;

        @Override
        int run() throws Exception {
            long next = after;
            long left = limit;
            while (left > 0) {
                JsonNode page = api().get("/api/ledger?after=" + next + "&limit=" + Math.min(1000, left));
                for (JsonNode e : page.get("events")) {
                    out().printf(Locale.ROOT, "%6d %s %-22s %-22s %s%n", e.get("seq").asLong(), e.get("time").asText(),
                            e.get("actor").asText(), e.get("type").asText(), e.get("payload_text").asText());
                    next = e.get("seq").asLong();
                    left--;
                }
                if (page.get("next_after").isNull()) {
                    break;
                }
            }
            return 0;
        }
    }
}
