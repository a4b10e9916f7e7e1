package org.synthray.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code synthray-admin sites …}: the consortium's sites. */
@Command(name = "sites", description = "The consortium's sites: approve, revoke, list.", mixinStandardHelpOptions = true,
        subcommands = {SitesCommand.ListSites.class, SitesCommand.Approve.class, SitesCommand.Revoke.class})
final class SitesCommand {

    static String line(JsonNode s) {
        return String.format(Locale.ROOT, "%-20s %-9s %s%s", s.get("id").asText(), s.get("status").asText(),
                s.hasNonNull("decidedBy") ? "by " + s.get("decidedBy").asText() : "",
                s.hasNonNull("reason") ? "  (" + s.get("reason").asText() + ")" : "");
    }

    @Command(name = "list", description = "List sites: pending, approved, revoked.")
    static final class ListSites extends AdminCommand {
        @Override
        int run() throws Exception {
            for (JsonNode s : api().get("/api/sites")) {
                out().println(line(s));
            }
            return 0;
        }
    }

    @Command(name = "approve", description = "Approve sites (also ones that have not called yet).")
    static final class Approve extends AdminCommand {
        @Parameters(paramLabel = "SITE", arity = "1..*")
        List<String> ids;

        @Override
        int run() throws Exception {
            for (String id : ids) {
                out().println(line(api().post("/api/sites/" + enc(id) + "/approve", null)));
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a site: its next call is refused and its open streams are closed.")
    static final class Revoke extends AdminCommand {
        @Parameters(paramLabel = "SITE")
        String id;
        @Option(names = "--reason", description = "Why (kept in the ledger).")
        String reason;

        @Override
        int run() throws Exception {
            out().println(line(api().post("/api/sites/" + enc(id) + "/revoke", Collections.singletonMap("reason", reason))));
            return 0;
        }
    }
}
