package org.synthray.coordinator.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Runs {@code synthray-admin} in-process from tests in other packages. */
public final class AdminCliAccess {
    private AdminCliAccess() {
    }

    public static int run(PrintWriter out, PrintWriter err, String url, String... args) {
        var cl = AdminCli.newCommandLine();
        cl.setOut(out);
        cl.setErr(err);
        String[] all = new String[args.length + 1];
        all[0] = "--url=" + url;
        System.arraycopy(args, 0, all, 1, args.length);
        return cl.execute(all);
    }

    public static CommandLine newCommandLine() {
        return AdminCli.newCommandLine();
    }
}
