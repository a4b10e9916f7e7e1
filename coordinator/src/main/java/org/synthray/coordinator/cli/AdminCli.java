package org.synthray.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code synthray-admin}: the consortium admin's command line for the coordinator's REST API.
 * It holds no state of its own: everything goes through {@code /api}. The connection options are
 * inherited by every subcommand, so they may come before or after it ({@code ledger verify --url …}).
 */
@Command(name = "synthray-admin", mixinStandardHelpOptions = true,
        description = "Create, start, follow and cancel federated runs; approve sites; review, release and download "
                + "synthetic sets; read and verify the ledger.",
        subcommands = {AdminCli.Runs.class, AdminCli.Models.class, AdminCli.Sites.class, SetsCommand.class,
            AdminCli.LedgerCommands.class,
            CommandLine.HelpCommand.class})
public final class AdminCli implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--url", scope = CommandLine.ScopeType.INHERIT, defaultValue = "${env:SYNTHRAY_URL:-http://127.0.0.1:8080}",
            description = "Coordinator base URL (env SYNTHRAY_URL). Default: ${DEFAULT-VALUE}.")
    String url;

    @Option(names = "--user", scope = CommandLine.ScopeType.INHERIT, defaultValue = "${env:SYNTHRAY_USER}",
            description = "Who you are, recorded in the ledger with what you do (env SYNTHRAY_USER).")
    String user;

    @Option(names = "--issuer", scope = CommandLine.ScopeType.INHERIT, paramLabel = "URL", defaultValue = "${env:SYNTHRAY_ISSUER}",
            description = "OpenID Connect issuer (e.g. https://keycloak.example/realms/synthray) or its token endpoint "
                    + "(env SYNTHRAY_ISSUER). Without it no token is sent (a coordinator with authentication off).")
    String issuer;

    @Option(names = "--client-id", scope = CommandLine.ScopeType.INHERIT, paramLabel = "ID", defaultValue = "${env:SYNTHRAY_ADMIN_CLIENT_ID:-synthray-admin-cli}",
            description = "Client whose service account calls the coordinator (env SYNTHRAY_ADMIN_CLIENT_ID). Default: ${DEFAULT-VALUE}.")
    String clientId;

    @Option(names = "--client-secret-file", scope = CommandLine.ScopeType.INHERIT, paramLabel = "FILE",
            description = "File holding the client secret (or env SYNTHRAY_ADMIN_CLIENT_SECRET).")
    Path clientSecretFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** HTTP/1.1: a large download is then paced by TCP all the way to the coordinator's writes. */
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private org.synthray.auth.ClientCredentialsTokens tokens;

    /** The bearer token to send, or null when no issuer is configured. */
    private synchronized String token() throws IOException {
        if (issuer == null || issuer.isBlank()) {
            return null;
        }
        if (tokens == null) {
            String secret = clientSecretFile != null ? Files.readString(clientSecretFile).trim()
                    : System.getenv("SYNTHRAY_ADMIN_CLIENT_SECRET");
            if (secret == null || secret.isBlank()) {
                throw new IOException("--issuer needs the client secret: --client-secret-file FILE or env SYNTHRAY_ADMIN_CLIENT_SECRET");
            }
            tokens = new org.synthray.auth.ClientCredentialsTokens(issuer, clientId, secret);
        }
        return tokens.token();
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new AdminCli());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Sends a request; a non-2xx answer becomes an exception carrying the server's error message. */
    byte[] call(String method, String path, byte[] body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            rb.header("Content-Type", contentType);
        }
        String token = authorize(rb);
        HttpResponse<byte[]> res;
        try {
            res = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the coordinator at " + url + " (is it running? set --url or SYNTHRAY_URL)");
        }
        if (res.statusCode() / 100 != 2) {
            throw failure(res.statusCode(), res.body(), token);
        }
        return res.body();
    }

    /** The server's error message from a JSON {@code {"error": ...}} body, or the raw body. */
    /** Adds the bearer token (when an issuer is configured) and the user name; returns the token or null. */
    private String authorize(HttpRequest.Builder rb) throws IOException {
        String token = token();
        if (token != null) {
            rb.header("Authorization", "Bearer " + token);
        }
        if (user != null && !user.isBlank()) {
            rb.header("X-SynthRay-User", user);
        }
        return token;
    }

    /** The coordinator's error message, with what to do about 401 and a bare 403. */
    IOException failure(int status, byte[] body, String token) {
        String message = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        try {
            JsonNode err = JSON.readTree(body);
            if (err.has("error")) {
                message = err.get("error").asText();
            }
        } catch (IOException notJson) {
            // keep the raw body
        }
        if (status == 401) {
            message = "the coordinator did not accept our credentials"
                    + (token == null ? " (none sent: set --issuer and the client secret)" : "");
        } else if (status == 403 && message.isBlank()) {
            message = "client " + clientId + " lacks the role this needs";
        }
        return new IOException(message + " (HTTP " + status + ")");
    }

    /** GETs {@code path} straight into {@code target} (through a temporary file; never whole in memory). */
    long download(String path, Path target) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path)).GET();
        String token = authorize(rb);
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".download-", ".part");
        try {
            HttpResponse<Path> res;
            try {
                res = http.send(rb.build(), HttpResponse.BodyHandlers.ofFile(tmp));
            } catch (ConnectException e) {
                throw new IOException("cannot reach the coordinator at " + url + " (is it running? set --url or SYNTHRAY_URL)");
            }
            if (res.statusCode() / 100 != 2) {
                throw failure(res.statusCode(), Files.readAllBytes(tmp), token);
            }
            long size = Files.size(tmp);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return size;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    JsonNode json(String method, String path, byte[] body, String type) throws IOException, InterruptedException {
        return JSON.readTree(call(method, path, body, type));
    }

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
    static java.util.List<String> siteLines(JsonNode roundDetail) {
        java.util.List<String> lines = new java.util.ArrayList<>();
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

    @Command(name = "runs", description = "Federated runs.", mixinStandardHelpOptions = true,
            subcommands = {Runs.Create.class, Runs.ListRuns.class, Runs.Show.class, Runs.Start.class, Runs.Cancel.class,
                Runs.Watch.class})
    static final class Runs {
        @ParentCommand
        AdminCli admin;

        @Command(name = "create", description = "Create a run from a JSON spec (see docs/configuration.md).")
        static final class Create implements Callable<Integer> {
            @ParentCommand
            Runs runs;
            @Parameters(paramLabel = "SPEC.json", description = "The run spec.")
            Path specFile;
            @Option(names = "--initial-model", paramLabel = "MODEL.npz", description = "Upload this model and start from it.")
            Path initialModel;
            @Option(names = "--start", description = "Start the run right away.")
            boolean start;

            @Override
            public Integer call() throws Exception {
                if (!Files.isRegularFile(specFile)) {
                    throw new IOException("no spec file " + specFile);
                }
                JsonNode spec = JSON.readTree(Files.readAllBytes(specFile));
                if (initialModel != null) {
                    JsonNode m = runs.admin.json("POST", "/api/models", Files.readAllBytes(initialModel), "application/octet-stream");
                    ((com.fasterxml.jackson.databind.node.ObjectNode) spec).put("initial_model", m.get("sha256").asText());
                }
                JsonNode run = runs.admin.json("POST", "/api/runs", JSON.writeValueAsBytes(spec), "application/json");
                String id = run.get("id").asText();
                if (start) {
                    run = runs.admin.json("POST", "/api/runs/" + id + "/start", null, null);
                }
                PrintWriter out = runs.admin.spec.commandLine().getOut();
                out.println(id);
                out.flush();
                return 0;
            }
        }

        @Command(name = "list", description = "List runs, newest first.")
        static final class ListRuns implements Callable<Integer> {
            @ParentCommand
            Runs runs;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = runs.admin.spec.commandLine().getOut();
                for (JsonNode r : runs.admin.json("GET", "/api/runs", null, null)) {
                    out.println(runLine(r));
                }
                out.flush();
                return 0;
            }
        }

        @Command(name = "show", description = "Show a run, its rounds and what each site sent.")
        static final class Show implements Callable<Integer> {
            @ParentCommand
            Runs runs;
            @Parameters(paramLabel = "RUN")
            String id;

            @Override
            public Integer call() throws Exception {
                JsonNode d = runs.admin.json("GET", "/api/runs/" + id, null, null);
                PrintWriter out = runs.admin.spec.commandLine().getOut();
                out.println(runLine(d.get("run")));
                for (JsonNode r : d.get("rounds")) {
                    out.println("  " + roundLine(r));
                    printSites(runs.admin, out, id, r);
                }
                if (d.get("run").hasNonNull("globalModel")) {
                    out.println("  global model " + d.get("run").get("globalModel").asText());
                }
                out.flush();
                return 0;
            }
        }

        @Command(name = "start", description = "Start a created run.")
        static final class Start implements Callable<Integer> {
            @ParentCommand
            Runs runs;
            @Parameters(paramLabel = "RUN")
            String id;

            @Override
            public Integer call() throws Exception {
                runs.admin.spec.commandLine().getOut().println(runLine(runs.admin.json("POST", "/api/runs/" + id + "/start", null, null)));
                runs.admin.spec.commandLine().getOut().flush();
                return 0;
            }
        }

        @Command(name = "cancel", description = "Cancel a run that has not ended.")
        static final class Cancel implements Callable<Integer> {
            @ParentCommand
            Runs runs;
            @Parameters(paramLabel = "RUN")
            String id;

            @Override
            public Integer call() throws Exception {
                runs.admin.spec.commandLine().getOut().println(runLine(runs.admin.json("POST", "/api/runs/" + id + "/cancel", null, null)));
                runs.admin.spec.commandLine().getOut().flush();
                return 0;
            }
        }

        /** The site lines of a round (its last attempt's, as recorded). */
        static void printSites(AdminCli admin, PrintWriter out, String run, JsonNode round)
                throws IOException, InterruptedException {
            for (String line : siteLines(admin.json("GET", "/api/runs/" + run + "/rounds/" + round.get("round").asInt(), null, null))) {
                out.println(line);
            }
        }

        @Command(name = "watch", description = "Print rounds as they finish, with what each site sent, until the run "
                + "ends; exit 0 if it completed.")
        static final class Watch implements Callable<Integer> {
            @ParentCommand
            Runs runs;
            @Parameters(paramLabel = "RUN")
            String id;
            @Option(names = "--interval-ms", defaultValue = "500", description = "Polling interval. Default: ${DEFAULT-VALUE}.")
            long intervalMs;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = runs.admin.spec.commandLine().getOut();
                Set<String> printed = new HashSet<>();
                while (true) {
                    JsonNode d = runs.admin.json("GET", "/api/runs/" + id, null, null);
                    for (JsonNode r : d.get("rounds")) {
                        if (printed.add(r.get("round").asInt() + "/" + r.get("attempt").asInt())) {
                            out.println(roundLine(r));
                            printSites(runs.admin, out, id, r);
                            out.flush();
                        }
                    }
                    String state = d.get("run").get("state").asText();
                    if (!state.equals("CREATED") && !state.equals("RUNNING")) {
                        out.println(runLine(d.get("run")));
                        out.flush();
                        return state.equals("COMPLETED") ? 0 : 1;
                    }
                    Thread.sleep(intervalMs);
                }
            }
        }
    }

    @Command(name = "sites", description = "The consortium's sites: approve, revoke, list.", mixinStandardHelpOptions = true,
            subcommands = {Sites.ListSites.class, Sites.Approve.class, Sites.Revoke.class})
    static final class Sites {
        @ParentCommand
        AdminCli admin;

        static String line(JsonNode s) {
            return String.format(Locale.ROOT, "%-20s %-9s %s%s", s.get("id").asText(), s.get("status").asText(),
                    s.hasNonNull("decidedBy") ? "by " + s.get("decidedBy").asText() : "",
                    s.hasNonNull("reason") ? "  (" + s.get("reason").asText() + ")" : "");
        }

        @Command(name = "list", description = "List sites: pending, approved, revoked.")
        static final class ListSites implements Callable<Integer> {
            @ParentCommand
            Sites sites;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = sites.admin.spec.commandLine().getOut();
                for (JsonNode s : sites.admin.json("GET", "/api/sites", null, null)) {
                    out.println(line(s));
                }
                out.flush();
                return 0;
            }
        }

        @Command(name = "approve", description = "Approve sites (also ones that have not called yet).")
        static final class Approve implements Callable<Integer> {
            @ParentCommand
            Sites sites;
            @Parameters(paramLabel = "SITE", arity = "1..*")
            java.util.List<String> ids;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = sites.admin.spec.commandLine().getOut();
                for (String id : ids) {
                    out.println(line(sites.admin.json("POST", "/api/sites/" + id + "/approve", null, null)));
                }
                out.flush();
                return 0;
            }
        }

        @Command(name = "revoke", description = "Revoke a site: its next call is refused and its open streams are closed.")
        static final class Revoke implements Callable<Integer> {
            @ParentCommand
            Sites sites;
            @Parameters(paramLabel = "SITE")
            String id;
            @Option(names = "--reason", description = "Why (kept in the ledger).")
            String reason;

            @Override
            public Integer call() throws Exception {
                byte[] body = JSON.writeValueAsBytes(java.util.Collections.singletonMap("reason", reason));
                PrintWriter out = sites.admin.spec.commandLine().getOut();
                out.println(line(sites.admin.json("POST", "/api/sites/" + id + "/revoke", body, "application/json")));
                out.flush();
                return 0;
            }
        }
    }

    @Command(name = "models", description = "Model files (.npz).", mixinStandardHelpOptions = true,
            subcommands = {Models.Upload.class, Models.Download.class})
    static final class Models {
        @ParentCommand
        AdminCli admin;

        @Command(name = "upload", description = "Upload a model (an .npz, or a model folder: its weights.npz and, "
                + "as its provenance, its info.json); prints the model's identity.")
        static final class Upload implements Callable<Integer> {
            @ParentCommand
            Models models;
            @Parameters(paramLabel = "MODEL", description = "MODEL.npz or a model folder")
            Path file;

            @Override
            public Integer call() throws Exception {
                Path npz = Files.isDirectory(file) ? file.resolve("weights.npz") : file;
                Path info = Files.isDirectory(file) ? file.resolve("info.json") : null;
                if (!Files.isRegularFile(npz)) {
                    throw new IOException(Files.isDirectory(file) ? file + " has no weights.npz" : "no model file " + file);
                }
                JsonNode m = models.admin.json("POST", "/api/models", Files.readAllBytes(npz), "application/octet-stream");
                String id = m.get("sha256").asText();
                if (info != null && Files.isRegularFile(info)) {
                    models.admin.json("PUT", "/api/models/" + id + "/provenance", Files.readAllBytes(info), "application/json");
                }
                models.admin.spec.commandLine().getOut().println(id);
                models.admin.spec.commandLine().getOut().flush();
                return 0;
            }
        }

        @Command(name = "download", description = "Download a stored model version.")
        static final class Download implements Callable<Integer> {
            @ParentCommand
            Models models;
            @Parameters(index = "0", paramLabel = "SHA256")
            String sha;
            @Parameters(index = "1", paramLabel = "OUT.npz")
            Path out;

            @Override
            public Integer call() throws Exception {
                Files.write(out, models.admin.call("GET", "/api/models/" + sha, null, null));
                return 0;
            }
        }
    }

    @Command(name = "ledger", description = "The provenance ledger (docs/provenance.md).", mixinStandardHelpOptions = true,
            subcommands = {LedgerCommands.Verify.class, LedgerCommands.ListEvents.class})
    static final class LedgerCommands {
        @ParentCommand
        AdminCli admin;

        @Command(name = "verify", description = "Walk the hash chain; exit 0 if every event matches, 1 naming the first that does not.")
        static final class Verify implements Callable<Integer> {
            @ParentCommand
            LedgerCommands ledger;

            @Override
            public Integer call() throws Exception {
                JsonNode v = ledger.admin.json("GET", "/api/ledger/verify", null, null);
                PrintWriter out = ledger.admin.spec.commandLine().getOut();
                int rc;
                if (v.get("ok").asBoolean()) {
                    out.printf(Locale.ROOT, "ledger ok: %d events, head %d %s%n", v.get("count").asLong(),
                            v.get("head_seq").asLong(), v.get("head_hash").asText());
                    rc = 0;
                } else {
                    out.printf(Locale.ROOT, "ledger BROKEN at event %d: %s (%d events before it match)%n",
                            v.get("first_bad_seq").asLong(), v.get("reason").asText(), v.get("count").asLong());
                    rc = 1;
                }
                out.flush();
                return rc;
            }
        }

        @Command(name = "list", description = "Print events in order: seq, time, actor, type, payload.")
        static final class ListEvents implements Callable<Integer> {
            @ParentCommand
            LedgerCommands ledger;
            @Option(names = "--after", defaultValue = "0", description = "Start after this sequence number. Default: ${DEFAULT-VALUE}.")
            long after;
            @Option(names = "--limit", defaultValue = "100", description = "At most this many events (any number; fetched 1000 at a time). Default: ${DEFAULT-VALUE}.")
            long limit;

            @Override
            public Integer call() throws Exception {
                PrintWriter out = ledger.admin.spec.commandLine().getOut();
                long next = after;
                long left = limit;
                while (left > 0) {
                    JsonNode page = ledger.admin.json("GET", "/api/ledger?after=" + next + "&limit=" + Math.min(1000, left), null, null);
                    for (JsonNode e : page.get("events")) {
                        out.printf(Locale.ROOT, "%6d %s %-22s %-22s %s%n", e.get("seq").asLong(), e.get("time").asText(),
                                e.get("actor").asText(), e.get("type").asText(), e.get("payload_text").asText());
                        next = e.get("seq").asLong();
                        left--;
                    }
                    if (page.get("next_after").isNull()) {
                        break;
                    }
                }
                out.flush();
                return 0;
            }
        }
    }
}
