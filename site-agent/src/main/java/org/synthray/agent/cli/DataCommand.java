package org.synthray.agent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.synthray.agent.data.DataCheck;
import org.synthray.agent.data.ImageTextDataset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code data}: the site's local data. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Inspect the site's local data.",
        subcommands = {DataCommand.Check.class})
public final class DataCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code data check}: counts, what is skipped and why. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Decode every listed image as training would; print counts and every skipped row with its reason.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data", required = true, description = "data folder (images + metadata.csv or metadata.jsonl) or the table itself")
        Path data;

        @Option(names = "--size", defaultValue = "64", description = "image size the model uses; default ${DEFAULT-VALUE}")
        int size;

        @Option(names = "--show", defaultValue = "20", description = "skipped rows listed per reason; default ${DEFAULT-VALUE}")
        int show;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            DataCheck.Report r = DataCheck.run(data, size);
            o.printf(Locale.ROOT, "data: %s (%s layout, %s: %d rows)%n", data, r.spec().layout(),
                    r.spec().csv().getFileName(), r.rows());
            o.println("columns used: " + String.join(", ", r.spec().usedColumns())
                    + (r.spec().textColumn() == null ? " (caption built from the fields)" : ""));
            if (!r.unusedColumns().isEmpty()) {
                o.println("columns not used: " + String.join(", ", r.unusedColumns()));
            }
            o.printf(Locale.ROOT, "usable images: %d (%s); formats: %s%s%n", r.usable(), counts(r.usableBySplit()),
                    counts(r.usableByFormat()), r.spec().patientColumn() != null ? "; patients: " + r.patients() : "");
            o.printf(Locale.ROOT, "skipped: %d%n", r.skipped().size());
            for (Map.Entry<String, List<ImageTextDataset.Skip>> e : r.skippedByReason().entrySet()) {
                o.printf(Locale.ROOT, "  %d × %s%n", e.getValue().size(), e.getKey());
                int k = 0;
                for (ImageTextDataset.Skip s : e.getValue()) {
                    if (k++ == show) {
                        o.printf(Locale.ROOT, "      ... and %d more%n", e.getValue().size() - show);
                        break;
                    }
                    o.printf(Locale.ROOT, "      %s: %s%n", s.image(), s.reason());
                }
            }
            if (!r.unlistedImages().isEmpty()) {
                o.printf(Locale.ROOT, "image files not listed in %s (not used): %d%s%n", r.spec().csv().getFileName(),
                        r.unlistedImages().size(), r.unlistedImages().size() <= show
                                ? " (" + String.join(", ", r.unlistedImages()) + ")" : "");
            }
            o.flush();
            if (r.usable() == 0) {
                throw new IllegalArgumentException("no usable images in " + data);
            }
            return 0;
        }

        private static String counts(Map<String, Integer> m) {
            StringBuilder sb = new StringBuilder();
            m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
            return sb.length() == 0 ? "none" : sb.toString();
        }
    }
}
