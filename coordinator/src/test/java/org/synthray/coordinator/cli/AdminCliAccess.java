package org.synthray.coordinator.cli;

import picocli.CommandLine;

/** The admin command line, for tests in other packages. */
public final class AdminCliAccess {
    private AdminCliAccess() {
    }

    public static CommandLine newCommandLine() {
        return AdminCli.newCommandLine();
    }
}
