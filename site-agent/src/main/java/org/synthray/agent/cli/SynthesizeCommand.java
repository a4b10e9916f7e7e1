package org.synthray.agent.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.synthray.agent.data.PatientShard;
import org.synthray.agent.diffusion.Checkpoint;
import org.synthray.agent.diffusion.SamplingSettings;
import org.synthray.agent.diffusion.DiffusionModel;
import org.synthray.agent.diffusion.TextToImagePipeline;
import org.synthray.agent.guard.PrivacyGuard;
import org.synthray.agent.guard.Vectors;
import org.synthray.agent.synth.ModelFetcher;
import org.synthray.agent.synth.SyntheticSet;
import org.synthray.tensor.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code synthesize}: a privacy-checked synthetic set (PNG + DICOM + manifest) ready to publish. */
@Command(name = "synthesize", mixinStandardHelpOptions = true,
        description = "Generate a synthetic set: N images per prompt, each checked by the privacy guard; accepted ones "
                + "as PNG and DICOM with a hash-chained manifest under OUT/upload, rejected ones only under OUT/local.")
public final class SynthesizeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder (config.json, tokenizer.json, weights.npz); "
            + "with --model-version only its config and tokenizer are used")
    Path model;

    @Option(names = "--model-version", description = "SHA-256 of a global model version to fetch from the coordinator")
    String modelVersion;

    @Option(names = "--coordinator-url", description = "coordinator base URL, e.g. http://coordinator:8080 (with --model-version)")
    URI coordinatorUrl;

    @picocli.CommandLine.Mixin
    CoordinatorAccess access = new CoordinatorAccess();

    @Option(names = "--model-cache", description = "where fetched models are kept; default ~/.cache/synthray/models")
    Path modelCache;

    @picocli.CommandLine.Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--guard", required = true, description = "the guard's calibration folder (from 'guard calibrate'); "
            + "calibrated here first when it holds none and --data is given")
    Path guardDir;

    @Option(names = "--data", description = "the site's data folder, to calibrate the guard when --guard holds no calibration")
    Path data;

    @Option(names = "--shard", defaultValue = "0/1", paramLabel = "K/N", description = "with --data: only this site's part "
            + "of the folder's patients, as given to 'join --shard'; default ${DEFAULT-VALUE} (all)")
    String shard;

    @Option(names = "--site", defaultValue = "site", description = "the site's name in set.json; default ${DEFAULT-VALUE}")
    String site;

    @Option(names = "--out", required = true, description = "set folder: OUT/upload (what publish sends) and OUT/local")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        List<String> all = sampling.prompts();
        if ((modelVersion == null) != (coordinatorUrl == null)) {
            throw new IllegalArgumentException("--model-version and --coordinator-url go together");
        }
        if (SyntheticSet.complete(out)) {
            throw new IllegalArgumentException(out + " already holds a complete synthetic set: choose another --out");
        }
        long t0 = System.nanoTime();
        // The guard first: no image is generated that could not be checked.
        if (!Files.isRegularFile(guardDir.resolve(PrivacyGuard.GUARD_JSON)) && data != null) {
            o.println("no guard calibration in " + guardDir + ": calibrating on " + data);
            o.flush();
            // Decoded once, without the dataset cache: 'guard calibrate' is the command for repeated runs.
            try (PrivacyGuard g = GuardCommand.calibrateOnSite(data, PatientShard.parse(shard), "train", "val", null,
                    PrivacyGuard.Options.defaults(), o)) {
                g.save(guardDir);
            }
        }
        String[] sha = new String[1];
        try (PrivacyGuard guard = PrivacyGuard.load(guardDir); TextToImagePipeline pipe = loadModel(o, sha)) {
            pipe.tokens(all); // a too-long prompt fails here, before any sampling
            o.printf(Locale.ROOT, "model %s (%s); guard: %d training images, thresholds pixel %.4f embedding %.4f%n", sha[0],
                    modelVersion != null ? "coordinator" : "local checkpoint", guard.trainImages(), guard.pixelThreshold(),
                    guard.embeddingThreshold());
            o.flush();
            SamplingSettings settings = sampling.settings();
            SyntheticSet.Request req = new SyntheticSet.Request(site, all, sampling.n, settings, sampling.seed, sampling.batch, sha[0],
                    modelVersion != null ? "coordinator" : "local-checkpoint");
            SyntheticSet.Result r = SyntheticSet.generate((p, s) -> pipe.generate(p, s, settings, sampling.batch, null),
                    pipe.model().config().imageSize(), guard, req, out, msg -> {
                        o.println("  " + msg);
                        o.flush();
                    });
            double secs = (System.nanoTime() - t0) / 1e9;
            o.printf(Locale.ROOT, "%d images accepted, %d rejected (kept in %s) in %s (%.2f s per image); set ready in %s "
                    + "(manifest head %s)%n", r.accepted(), r.rejected(), out.resolve("local"), ProgressBar.duration(secs),
                    secs / (r.accepted() + r.rejected()), r.upload(), r.manifestHead());
        }
        return 0;
    }

    /**
     * The model, and in {@code sha[0]} its identity ({@link Weights#modelId()}): the same for the
     * float16 {@code weights.npz}, the float32 model loaded from it and the coordinator's version of it.
     */
    private TextToImagePipeline loadModel(PrintWriter o, String[] sha) throws Exception {
        Checkpoint.Contents base = Checkpoint.read(model);
        if (modelVersion == null) {
            sha[0] = base.weights().modelId();
            try {
                return new TextToImagePipeline(DiffusionModel.create(base.config(), base.weights()), base.tokenizer());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(model + ": " + e.getMessage(), e);
            }
        }
        sha[0] = modelVersion;
        Path cache = modelCache != null ? modelCache
                : Path.of(System.getProperty("user.home"), ".cache", "synthray", "models");
        o.println("fetching model " + modelVersion + " from " + coordinatorUrl);
        o.flush();
        Weights w = new ModelFetcher().fetch(coordinatorUrl, modelVersion, cache, access.tokens(site), base.weights().names());
        try {
            return new TextToImagePipeline(DiffusionModel.create(base.config(), w), base.tokenizer());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model " + modelVersion + " does not fit the config of " + model + ": "
                    + e.getMessage(), e);
        }
    }
}
