package org.synthray.coordinator.cli;

import static org.synthray.coordinator.cli.AdminCommand.enc;
import static org.synthray.coordinator.cli.CoordinatorClient.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code synthray-admin runs …}: federated runs. */
@Command(name = "runs", description = "Federated runs.", mixinStandardHelpOptions = true,
        subcommands = {RunsCommand.Create.class, RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Start.class,
            RunsCommand.Cancel.class, RunsCommand.Watch.class})
final class RunsCommand {

    static String runLine(JsonNode r) {
        return String.format(Locale.ROOT, "%-16s %-10s %-8s round %d/%d  %s%s", r.get("id").asText(), r.get("state").asText(),
                r.get("strategy").asText(), r.get("lastCompletedRound").asInt(), r.get("rounds").asInt(), r.get("name").asText(),
                r.hasNonNull("failureReason") ? "  (" + r.get("failureReason").asText() + ")" : "");
    }

    static String roundLine(JsonNode r) {
        return String.format(Locale.ROOT, "round %d%s %-9s asked=%d answered=%d rejected=%d failed=%d%s%s model=%s",
                r.get("round").asInt(), r.get("attempt").asInt() > 1 ? " (attempt " + r.get("attempt").asInt() + ")" : "",
                r.get("outcome").asText(), r.get("asked").asInt(), r.get("answered").asInt(), r.get("rejected").asInt(),
                r.get("failed").asInt(),
                r.hasNonNull("trainLoss") ? String.format(Locale.ROOT, " train_loss=%.5f", r.get("trainLoss").asDouble()) : "",
                r.hasNonNull("evalLoss") ? String.format(Locale.ROOT, " eval_loss=%.5f", r.get("evalLoss").asDouble()) : "",
                r.hasNonNull("model") ? r.get("model").asText().substring(0, 12) : "-");
    }

    /**
     * What each site sent in a round ({@code GET /api/runs/{id}/rounds/{n}}): for training, the hash
     * of the weights it sent, its example count and training loss; for evaluation, its validation
     * loss; a refusal or failure with its reason. Only these leave a site, never images or reports.
     */
    static List<String> siteLines(JsonNode roundDetail) {
        List<String> lines = new ArrayList<>();
        for (JsonNode p : roundDetail.path("sites")) {
            String phase = p.path("phase").asText().toLowerCase(Locale.ROOT);
            boolean fit = phase.startsWith("fit");
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "    %-12s %-8s", p.path("site").asText(),
                    fit ? "train" : "evaluate"));
            if (!"ACCEPTED".equals(p.path("outcome").asText())) {
                b.append(' ').append(p.path("outcome").asText());
            }
            if (p.hasNonNull("updateSha256")) {
                b.append(" weights ").append(p.get("updateSha256").asText(), 0, 12).append('…');
            }
            if (p.hasNonNull("numExamples")) {
                b.append(fit ? ", " : " on ").append(p.get("numExamples").asLong()).append(" examples");
            }
            if (p.hasNonNull("loss")) {
                b.append(String.format(Locale.ROOT, ", %s loss %.5f", fit ? "train" : "val", p.get("loss").asDouble()));
            }
            if (p.hasNonNull("reason")) {
                b.append(" (").append(p.get("reason").asText()).append(')');
            }
            lines.add(b.toString());
        }
        return lines;
    }

    /** Prints a round and what each site sent in it (its last attempt's, as recorded). */
    static void printRound(AdminCommand c, String indent, String run, JsonNode round) throws IOException, InterruptedException {
        c.out().println(indent + roundLine(round));
        for (String line : siteLines(c.api().get("/api/runs/" + enc(run) + "/rounds/" + round.get("round").asInt()))) {
            c.out().println(line);
        }
    }

    @Command(name = "create", description = "Create a run from a JSON spec (see docs/configuration.md).")
    static final class Create extends AdminCommand {
        @Parameters(paramLabel = "SPEC.json", description = "The run spec.")
        Path specFile;
        @Option(names = "--initial-model", paramLabel = "MODEL.npz", description = "Upload this model and start from it.")
        Path initialModel;
        @Option(names = "--start", description = "Start the run right away.")
        boolean start;

        @Override
        int run() throws Exception {
            if (!Files.isRegularFile(specFile)) {
                throw new IOException("no spec file " + specFile);
            }
            JsonNode spec = JSON.readTree(Files.readAllBytes(specFile));
            if (initialModel != null) {
                JsonNode m = api().json("POST", "/api/models", Files.readAllBytes(initialModel), "application/octet-stream");
                ((ObjectNode) spec).put("initial_model", m.get("sha256").asText());
            }
            String id = api().post("/api/runs", spec).get("id").asText();
            if (start) {
                api().post("/api/runs/" + id + "/start", null);
            }
            out().println(id);
            return 0;
        }
    }

    @Command(name = "list", description = "List runs, newest first.")
    static final class ListRuns extends AdminCommand {
        @Override
        int run() throws Exception {
            for (JsonNode r : api().get("/api/runs")) {
                out().println(runLine(r));
            }
            return 0;
        }
    }

    @Command(name = "show", description = "Show a run, its rounds and what each site sent.")
    static final class Show extends AdminCommand {
        @Parameters(paramLabel = "RUN")
        String id;

        @Override
        int run() throws Exception {
            JsonNode d = api().get("/api/runs/" + enc(id));
            out().println(runLine(d.get("run")));
            for (JsonNode r : d.get("rounds")) {
                printRound(this, "  ", id, r);
            }
            if (d.get("run").hasNonNull("globalModel")) {
                out().println("  global model " + d.get("run").get("globalModel").asText());
            }
            return 0;
        }
    }

    /** POSTs to the run action the command is named after and prints the run. */
    abstract static class RunAction extends AdminCommand {
        @Parameters(paramLabel = "RUN")
        String id;

        @Override
        int run() throws Exception {
            out().println(runLine(api().post("/api/runs/" + enc(id) + "/" + spec.name(), null)));
            return 0;
        }
    }

    @Command(name = "start", description = "Start a created run.")
    static final class Start extends RunAction {
    }

    @Command(name = "cancel", description = "Cancel a run that has not ended.")
    static final class Cancel extends RunAction {
    }

    @Command(name = "watch", description = "Print rounds as they finish, with what each site sent, until the run "
            + "ends; exit 0 if it completed.")
    static final class Watch extends AdminCommand {
        @Parameters(paramLabel = "RUN")
        String id;
        @Option(names = "--interval-ms", defaultValue = "500", description = "Polling interval. Default: ${DEFAULT-VALUE}.")
        long intervalMs;

        @Override
        int run() throws Exception {
            Set<String> printed = new HashSet<>();
            while (true) {
                JsonNode d = api().get("/api/runs/" + enc(id));
                for (JsonNode r : d.get("rounds")) {
                    if (printed.add(r.get("round").asInt() + "/" + r.get("attempt").asInt())) {
                        printRound(this, "", id, r);
                        out().flush();
                    }
                }
                String state = d.get("run").get("state").asText();
                if (!state.equals("CREATED") && !state.equals("RUNNING")) {
                    out().println(runLine(d.get("run")));
                    return state.equals("COMPLETED") ? 0 : 1;
                }
                Thread.sleep(intervalMs);
            }
        }
    }
}
