package org.synthray.coordinator.cli;

import picocli.CommandLine;

/** Lets tests in other packages build the admin command line. */
public final class AdminCliAccess {
    private AdminCliAccess() {
    }

    public static CommandLine newCommandLine() {
        return AdminCli.newCommandLine();
    }
}
