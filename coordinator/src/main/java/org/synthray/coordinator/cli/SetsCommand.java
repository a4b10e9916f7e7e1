package org.synthray.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code synthray-admin sets …}: synthetic sets. Admins list, show, review, release and reject;
 * researchers list released sets ({@code --released}) and download one.
 */
@Command(name = "sets", description = "Synthetic sets: review and release (admins), list and download (researchers).",
        mixinStandardHelpOptions = true,
        subcommands = {SetsCommand.ListSets.class, SetsCommand.Show.class, SetsCommand.Review.class,
            SetsCommand.Release.class, SetsCommand.Reject.class, SetsCommand.Download.class})
final class SetsCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    AdminCli admin;

    PrintWriter out() {
        return admin.spec.commandLine().getOut();
    }

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

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Command(name = "list", description = "List sets (all states; --released: what researchers see, with filters).")
    static final class ListSets implements Callable<Integer> {
        @ParentCommand
        SetsCommand sets;
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
        public Integer call() throws Exception {
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
            PrintWriter out = sets.out();
            for (JsonNode s : sets.admin.json("GET", path, null, null)) {
                out.println(line(s));
            }
            out.flush();
            return 0;
        }

        private static void add(StringBuilder q, String k, String v) {
            if (v != null && !v.isBlank()) {
                q.append(q.length() == 0 ? '?' : '&').append(k).append('=').append(enc(v));
            }
        }
    }

    @Command(name = "show", description = "Show a set's datasheet (Markdown; --json for the JSON form).")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        SetsCommand sets;
        @Parameters(paramLabel = "SET")
        String id;
        @Option(names = "--json", description = "Print the datasheet as JSON.")
        boolean json;
        @Option(names = "--released", description = "Ask as a researcher (released sets only).")
        boolean released;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = sets.out();
            if (released) {
                out.println(sets.admin.json("GET", "/api/released-sets/" + enc(id), null, null).toPrettyString());
            } else if (json) {
                out.println(sets.admin.json("GET", "/api/sets/" + enc(id) + "/datasheet", null, null).toPrettyString());
            } else {
                out.print(new String(sets.admin.call("GET", "/api/sets/" + enc(id) + "/datasheet.md", null, null),
                        StandardCharsets.UTF_8));
            }
            out.flush();
            return 0;
        }
    }

    abstract static class Decide implements Callable<Integer> {
        @Parameters(paramLabel = "SET")
        String id;
        @Option(names = "--reason", description = "Why (recorded in the ledger).")
        String reason;

        abstract SetsCommand sets();

        abstract String verb();

        void fill(ObjectNode body) {
        }

        @Override
        public Integer call() throws Exception {
            ObjectNode body = JSON.createObjectNode();
            if (reason != null) {
                body.put("reason", reason);
            }
            fill(body);
            JsonNode s = sets().admin.json("POST", "/api/sets/" + enc(id) + "/" + verb(), JSON.writeValueAsBytes(body),
                    "application/json");
            sets().out().println(line(s));
            sets().out().flush();
            return 0;
        }
    }

    @Command(name = "review", description = "Start reviewing an uploaded set.")
    static final class Review extends Decide {
        @ParentCommand
        SetsCommand sets;

        SetsCommand sets() {
            return sets;
        }

        String verb() {
            return "review";
        }
    }

    @Command(name = "release", description = "Release a set in review to researchers.")
    static final class Release extends Decide {
        @ParentCommand
        SetsCommand sets;
        @Option(names = "--licence", description = "Licence of the released images (default: the coordinator's).")
        String licence;
        @Option(names = "--intended-use", description = "Intended use written into the datasheet (default: the coordinator's).")
        String intendedUse;

        SetsCommand sets() {
            return sets;
        }

        String verb() {
            return "release";
        }

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
        @ParentCommand
        SetsCommand sets;

        SetsCommand sets() {
            return sets;
        }

        String verb() {
            return "reject";
        }
    }

    @Command(name = "download", description = "Download a released set as a ZIP (images, manifest.csv, datasheet.md, prov.json).")
    static final class Download implements Callable<Integer> {
        @ParentCommand
        SetsCommand sets;
        @Parameters(index = "0", paramLabel = "SET")
        String id;
        @Parameters(index = "1", paramLabel = "OUT.zip")
        Path target;
        @Option(names = "--format", defaultValue = "png", description = "png or dicom. Default: ${DEFAULT-VALUE}.")
        String format;

        @Override
        public Integer call() throws Exception {
            long bytes = sets.admin.download("/api/released-sets/" + enc(id) + "/download?format=" + enc(format), target);
            sets.out().printf(Locale.ROOT, "%s: %.1f MB%n", target, bytes / 1e6);
            sets.out().flush();
            return 0;
        }
    }
}
