package org.synthray.coordinator.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code synthray-admin models …}: model files ({@code .npz}). */
@Command(name = "models", description = "Model files (.npz).", mixinStandardHelpOptions = true,
        subcommands = {ModelsCommand.Upload.class, ModelsCommand.Download.class})
final class ModelsCommand {

    @Command(name = "upload", description = "Upload a model; prints its SHA-256.")
    static final class Upload extends AdminCommand {
        @Parameters(paramLabel = "MODEL.npz")
        Path file;

        @Override
        int run() throws Exception {
            out().println(api().json("POST", "/api/models", Files.readAllBytes(file), "application/octet-stream")
                    .get("sha256").asText());
            return 0;
        }
    }

    @Command(name = "download", description = "Download a stored model version.")
    static final class Download extends AdminCommand {
        @Parameters(index = "0", paramLabel = "SHA256")
        String sha;
        @Parameters(index = "1", paramLabel = "OUT.npz")
        Path target;

        @Override
        int run() throws Exception {
            api().download("/api/models/" + enc(sha), target);
            return 0;
        }
    }
}
