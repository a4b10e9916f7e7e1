package org.synthray.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code synthray-admin sets …}: synthetic sets. Admins list, show, review, release and reject;
 * researchers list released sets ({@code --released}) and download one.
 */
@Command(name = "sets", description = "Synthetic sets: review and release (admins), list and download (researchers).",
        mixinStandardHelpOptions = true,
        subcommands = {SetsCommand.ListSets.class, SetsCommand.Show.class, SetsCommand.Review.class,
            SetsCommand.Release.class, SetsCommand.Reject.class, SetsCommand.Download.class})
final class SetsCommand {

    static String line(JsonNode s) {
        return String.format(Locale.ROOT, "%-21s %-10s %-12s %5d images  model %s  %s", s.get("id").asText(),
                s.get("state").asText(), s.get("site").asText(), s.get("images").asInt(),
                s.get("model").asText().substring(0, 12), String.join(" | ", prompts(s)));
    }

    static List<String> prompts(JsonNode s) {
        List<String> p = new ArrayList<>();
        s.path("prompts").forEach(x -> p.add(x.asText()));
        return p;
    }

    @Command(name = "list", description = "List sets (all states; --released: what researchers see, with filters).")
    static final class ListSets extends AdminCommand {
        @Option(names = "--released", description = "Only released sets (the researchers' list).")
        boolean released;
        @Option(names = "--state", description = "Only sets in this state: uploading, uploaded, in_review, released, rejected.")
        String state;
        @Option(names = {"--q", "--finding"}, paramLabel = "TEXT", description = "Released sets whose prompts contain TEXT.")
        String text;
        @Option(names = "--site", description = "Released sets of this site.")
        String site;
        @Option(names = "--model", paramLabel = "SHA256", description = "Released sets of this model version (a prefix is enough).")
        String model;
        @Option(names = "--from", paramLabel = "DATE", description = "Released on or after DATE (2026-11-28).")
        String from;
        @Option(names = "--to", paramLabel = "DATE", description = "Released on or before DATE.")
        String to;

        @Override
        int run() throws Exception {
            String path;
            if (released || text != null || site != null || model != null || from != null || to != null) {
                StringBuilder q = new StringBuilder();
                add(q, "q", text);
                add(q, "site", site);
                add(q, "model", model);
                add(q, "from", from);
                add(q, "to", to);
                path = "/api/released-sets" + q;
            } else {
                path = "/api/sets" + (state != null ? "?state=" + enc(state) : "");
            }
            for (JsonNode s : api().get(path)) {
                out().println(line(s));
            }
            return 0;
        }

        private static void add(StringBuilder q, String k, String v) {
            if (v != null && !v.isBlank()) {
                q.append(q.length() == 0 ? '?' : '&').append(k).append('=').append(enc(v));
            }
        }
    }

    @Command(name = "show", description = "Show a set's datasheet (Markdown; --json for the JSON form).")
    static final class Show extends AdminCommand {
        @Parameters(paramLabel = "SET")
        String id;
        @Option(names = "--json", description = "Print the datasheet as JSON.")
        boolean json;
        @Option(names = "--released", description = "Ask as a researcher (released sets only).")
        boolean released;

        @Override
        int run() throws Exception {
            if (released) {
                out().println(api().get("/api/released-sets/" + enc(id)).toPrettyString());
            } else if (json) {
                out().println(api().get("/api/sets/" + enc(id) + "/datasheet").toPrettyString());
            } else {
                out().print(new String(api().call("GET", "/api/sets/" + enc(id) + "/datasheet.md", null, null),
                        StandardCharsets.UTF_8));
            }
            return 0;
        }
    }

    /** Review, release and reject: POST a decision with its reason to the action the command is named after, print the set. */
    abstract static class Decide extends AdminCommand {
        @Parameters(paramLabel = "SET")
        String id;
        @Option(names = "--reason", description = "Why (recorded in the ledger).")
        String reason;

        void fill(ObjectNode body) {
        }

        @Override
        int run() throws Exception {
            ObjectNode body = CoordinatorClient.JSON.createObjectNode();
            if (reason != null) {
                body.put("reason", reason);
            }
            fill(body);
            out().println(line(api().post("/api/sets/" + enc(id) + "/" + spec.name(), body)));
            return 0;
        }
    }

    @Command(name = "review", description = "Start reviewing an uploaded set.")
    static final class Review extends Decide {
    }

    @Command(name = "release", description = "Release a set in review to researchers.")
    static final class Release extends Decide {
        @Option(names = "--licence", description = "Licence of the released images (default: the coordinator's).")
        String licence;
        @Option(names = "--intended-use", description = "Intended use written into the datasheet (default: the coordinator's).")
        String intendedUse;

        @Override
        void fill(ObjectNode body) {
            if (licence != null) {
                body.put("licence", licence);
            }
            if (intendedUse != null) {
                body.put("intendedUse", intendedUse);
            }
        }
    }

    @Command(name = "reject", description = "Reject an uploaded set or one in review (--reason is required).")
    static final class Reject extends Decide {
    }

    @Command(name = "download", description = "Download a released set as a ZIP (images, manifest.csv, datasheet.md, prov.json).")
    static final class Download extends AdminCommand {
        @Parameters(index = "0", paramLabel = "SET")
        String id;
        @Parameters(index = "1", paramLabel = "OUT.zip")
        Path target;
        @Option(names = "--format", defaultValue = "png", description = "png or dicom. Default: ${DEFAULT-VALUE}.")
        String format;

        @Override
        int run() throws Exception {
            long bytes = api().download("/api/released-sets/" + enc(id) + "/download?format=" + enc(format), target);
            out().printf(Locale.ROOT, "%s: %.1f MB%n", target, bytes / 1e6);
            return 0;
        }
    }
}
