package org.synthray.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code synthray-agent}: the command a hospital's site operator runs. */
@Command(name = "synthray-agent",
        mixinStandardHelpOptions = true,
        versionProvider = SiteAgentCli.Version.class,
        description = "SynthRay site agent: trains on local chest X-rays, joins federated runs, "
                + "and shares only model updates or privacy-checked synthetic images.",
        subcommands = {
            JoinCommand.class,
            CommandLine.HelpCommand.class,
            TrainCommand.class,
            GenerateCommand.class,
            EvaluateCommand.class,
            BenchCommand.class,
            DataCommand.class,
            GuardCommand.class,
            SynthesizeCommand.class,

            PublishCommand.class,
        })
public final class SiteAgentCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        configureLogging();
        System.exit(newCommandLine().execute(args));
    }

    /** One short line per log record, unless the operator brought a logging config of their own. */
    static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (var in = SiteAgentCli.class.getResourceAsStream("/synthray-logging.properties")) {
            if (in != null) {
                java.util.logging.LogManager.getLogManager().readConfiguration(in);
            }
        } catch (java.io.IOException e) {
            System.err.println("warning: default logging configuration not loaded: " + e.getMessage());
        }
    }

    /** The command line with SynthRay's error handling: user errors print one clear line, not a stack trace. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new SiteAgentCli());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            if (Boolean.getBoolean("synthray.debug")) {
                ex.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SiteAgentCli.class.getPackage().getImplementationVersion();
            return new String[] {"synthray-agent " + (v != null ? v : "development build")};
        }
    }
}
