package org.synthray.coordinator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code synthray-admin models …}: model files ({@code .npz}). */
@Command(name = "models", description = "Model files (.npz).", mixinStandardHelpOptions = true,
        subcommands = {ModelsCommand.Upload.class, ModelsCommand.Download.class})
final class ModelsCommand {

    @Command(name = "upload", description = "Upload a model (an .npz, or a model folder: its weights.npz and, "
            + "as its provenance, its info.json); prints the model's identity.")
    static final class Upload extends AdminCommand {
        @Parameters(paramLabel = "MODEL", description = "MODEL.npz or a model folder")
        Path file;

        @Override
        int run() throws Exception {
            Path npz = Files.isDirectory(file) ? file.resolve("weights.npz") : file;
            Path info = Files.isDirectory(file) ? file.resolve("info.json") : null;
            if (!Files.isRegularFile(npz)) {
                throw new IOException(Files.isDirectory(file) ? file + " has no weights.npz" : "no model file " + file);
            }
            String id = api().json("POST", "/api/models", Files.readAllBytes(npz), "application/octet-stream")
                    .get("sha256").asText();
            if (info != null && Files.isRegularFile(info)) {
                api().json("PUT", "/api/models/" + id + "/provenance", Files.readAllBytes(info), "application/json");
            }
            out().println(id);
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
