package org.synthray.agent.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.synthray.agent.diffusion.SamplingSettings;
import picocli.CommandLine.Option;

/** Prompts and sampling settings, shared by {@code generate} and {@code synthesize}. */
public final class SamplingOptions {
    @Option(names = {"-p", "--prompt"}, description = "a prompt (repeatable); free text of any length")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts-file", description = "a text file with one prompt per line")
    Path promptsFile;

    @Option(names = "-n", defaultValue = "4", description = "images per prompt; default ${DEFAULT-VALUE}")
    int n;

    @Option(names = "--scheduler", defaultValue = "dpm++2m",
            description = "dpm++2m (DPM-Solver++ 2M) or ddim; default ${DEFAULT-VALUE}")
    String scheduler;

    @Option(names = "--steps", description = "denoising steps; default 20 for dpm++2m, 50 for ddim")
    Integer steps;

    @Option(names = "--guidance", defaultValue = "3.0", description = "classifier-free guidance scale; default ${DEFAULT-VALUE}")
    double guidance;

    @Option(names = "--seed", defaultValue = "0", description = "image k (0-based, over all prompts) uses seed+k; default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--batch", defaultValue = "16", description = "images sampled together; default ${DEFAULT-VALUE}")
    int batch;

    /** The --prompt values, then the non-blank lines of --prompts-file; at least one, and -n, --batch, --steps ≥ 1. */
    List<String> prompts() throws IOException {
        List<String> all = new ArrayList<>(prompts);
        if (promptsFile != null) {
            if (!Files.isRegularFile(promptsFile)) {
                throw new IllegalArgumentException("prompts file " + promptsFile + " does not exist");
            }
            for (String line : Files.readAllLines(promptsFile)) {
                if (!line.isBlank()) {
                    all.add(line.strip());
                }
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("give at least one --prompt or a --prompts-file");
        }
        if (n < 1 || batch < 1 || (steps != null && steps < 1)) {
            throw new IllegalArgumentException("-n, --batch and --steps must be at least 1");
        }
        return all;
    }

    /** The scheduler, steps (the scheduler's default when not given) and guidance. */
    SamplingSettings settings() {
        return settings(scheduler, steps, guidance);
    }

    /** Also for {@code evaluate}: a {@code null} step count takes the scheduler's default. */
    static SamplingSettings settings(String scheduler, Integer steps, double guidance) {
        SamplingSettings.Kind kind = SamplingSettings.Kind.parse(scheduler);
        return new SamplingSettings(kind, steps != null ? steps : kind.defaultSteps(), guidance);
    }
}
