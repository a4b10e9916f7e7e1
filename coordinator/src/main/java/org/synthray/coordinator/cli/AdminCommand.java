package org.synthray.coordinator.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * One {@code synthray-admin} leaf command: it calls the coordinator through {@link #api()} and
 * prints to {@link #out()}, which is flushed when it returns.
 */
abstract class AdminCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Runs the command; returns the exit code. */
    abstract int run() throws Exception;

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } finally {
            out().flush();
        }
    }

    CoordinatorClient api() throws java.io.IOException {
        return ((AdminCli) spec.root().userObject()).client();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
