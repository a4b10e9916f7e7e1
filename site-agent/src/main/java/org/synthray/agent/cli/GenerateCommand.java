package org.synthray.agent.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.synthray.agent.data.Images;
import org.synthray.agent.diffusion.Checkpoint;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.diffusion.TextToImagePipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code generate}: prompts → PNGs, a manifest and a sample grid. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate synthetic chest X-rays from text prompts with a trained model.")
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder (weights.npz, config.json, tokenizer.json)")
    Path model;

    @picocli.CommandLine.Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--out", required = true, description = "output folder for PNGs, manifest.tsv and grid.png")
    Path out;

    @Option(names = "--grid-scale", defaultValue = "2", description = "grid cells are the image size times this; default ${DEFAULT-VALUE}")
    int gridScale;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter o = spec.commandLine().getOut();
        List<String> all = sampling.prompts();
        if (gridScale < 1) {
            throw new IllegalArgumentException("--grid-scale must be at least 1");
        }
        SamplingSettings settings = sampling.settings();
        try (TextToImagePipeline pipe = Checkpoint.load(model)) {
            List<String> each = new ArrayList<>();
            for (String p : all) {
                for (int k = 0; k < sampling.n; k++) {
                    each.add(p);
                }
            }
            pipe.tokens(all); // a too-long prompt fails here, before minutes of sampling
            long[] seeds = new long[each.size()];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = sampling.seed + i;
            }
            ProgressBar bar = new ProgressBar("generate", each.size(), o);
            long t0 = System.nanoTime();
            float[] imgs = pipe.generate(each, seeds, settings, sampling.batch, done -> {
                double el = (System.nanoTime() - t0) / 1e9;
                bar.update(done, String.format(Locale.ROOT, "%.2f img/s", done / el),
                        (each.size() - done) * el / done);
            });
            double secs = (System.nanoTime() - t0) / 1e9;
            bar.finish(String.format(Locale.ROOT, "%d images in %s (%.2f s per image, %s)",
                    each.size(), ProgressBar.duration(secs), secs / each.size(), settings.describe()));
            int s = pipe.model().config().imageSize();
            Files.createDirectories(out);
            StringBuilder manifest = new StringBuilder("file\tprompt\tseed\tscheduler\tsteps\tguidance\tmodel_id\n");
            String sha = pipe.model().emaWeights().modelId();
            for (int i = 0; i < each.size(); i++) {
                String file = String.format(Locale.ROOT, "p%02d-%02d.png", i / sampling.n, i % sampling.n);
                Images.writePng(Images.toImage(imgs, i * s * s, s), out.resolve(file));
                manifest.append(file).append('\t').append(each.get(i).replace('\t', ' ').replace('\n', ' ')).append('\t')
                        .append(seeds[i]).append('\t').append(settings.scheduler().id()).append('\t').append(settings.steps())
                        .append('\t').append(settings.guidance()).append('\t')
                        .append(sha).append('\n');
            }
            Files.writeString(out.resolve("manifest.tsv"), manifest.toString());
            Images.writePng(Images.grid(imgs, each.size(), s, sampling.n, gridScale, all), out.resolve("grid.png"));
            o.println("wrote " + each.size() + " PNGs, manifest.tsv and grid.png to " + out);
        }
        return 0;
    }
}
