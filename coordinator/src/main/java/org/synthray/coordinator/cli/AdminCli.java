package org.synthray.coordinator.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.synthray.auth.ClientCredentialsTokens;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code synthray-admin}: the consortium admin's command line for the coordinator's REST API.
 * It holds no state of its own: everything goes through {@code /api}. This class holds the options
 * every command shares (where the coordinator is, who calls); each group of commands is a class of
 * its own ({@link RunsCommand}, {@link SitesCommand}, {@link ModelsCommand}, {@link SetsCommand},
 * {@link LedgerCommand}), each leaf an {@link AdminCommand} calling a {@link CoordinatorClient}. The
 * connection options are inherited by every subcommand, so they may come before or after it
 * ({@code ledger verify --url …}).
 */
@Command(name = "synthray-admin", mixinStandardHelpOptions = true,
        description = "Create, start, follow and cancel federated runs; approve sites; review, release and download "
                + "synthetic sets; read and verify the ledger.",
        subcommands = {RunsCommand.class, ModelsCommand.class, SitesCommand.class, SetsCommand.class, LedgerCommand.class,
            CommandLine.HelpCommand.class})
public final class AdminCli implements Runnable {

    @Option(names = "--url", scope = CommandLine.ScopeType.INHERIT, defaultValue = "${env:SYNTHRAY_URL:-http://127.0.0.1:8080}",
            description = "Coordinator base URL (env SYNTHRAY_URL). Default: ${DEFAULT-VALUE}.")
    String url;

    @Option(names = "--user", scope = CommandLine.ScopeType.INHERIT, defaultValue = "${env:SYNTHRAY_USER}",
            description = "Who you are, recorded in the ledger with what you do when the coordinator runs without "
                    + "authentication (env SYNTHRAY_USER); with authentication on, the token names you.")
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

    private CoordinatorClient client;

    /** The client for these options, made on first use (a missing secret fails only commands that call). */
    synchronized CoordinatorClient client() throws IOException {
        if (client == null) {
            client = new CoordinatorClient(url, user, clientId,
                    ClientCredentialsTokens.configured(issuer, clientId, clientSecretFile, "SYNTHRAY_ADMIN_CLIENT_SECRET"));
        }
        return client;
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
}
