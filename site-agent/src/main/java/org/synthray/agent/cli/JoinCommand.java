package org.synthray.agent.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.blob.ModelTransfer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.agent.probe.FindingProbe;
import org.synthray.agent.data.DatasetCache;
import org.synthray.agent.data.ImageTextDataset;
import org.synthray.agent.data.PatientShard;
import org.synthray.agent.diffusion.Checkpoint;
import org.synthray.agent.diffusion.DiffusionTrainer;
import org.synthray.agent.diffusion.TextToImagePipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code join}: take part in a federated run until the coordinator ends it. */
@Command(name = "join", mixinStandardHelpOptions = true,
        description = "Join a federated run on a SynthRay coordinator or a stock Flower server. Only model "
                + "weights and training metrics leave this machine; images and reports stay here.")
public final class JoinCommand implements Callable<Integer> {

    @Option(names = "--coordinator", required = true, paramLabel = "HOST:PORT",
            description = "Coordinator (or Flower server) address, e.g. 127.0.0.1:9092.")
    String coordinator;

    @Option(names = "--site-id", required = true, description = "This site's id, as enrolled with the consortium.")
    String siteId;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Coordinator run to join (from the admin). Without it the site serves whichever run takes it first.")
    String runId;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Site data folder: metadata.csv and images/.")
    Path data;

    @Option(names = "--shard", defaultValue = "0/1", paramLabel = "K/N",
            description = "Use only patients with patient_id hash mod N = K (to split one folder into sites). Default: ${DEFAULT-VALUE}.")
    String shard;

    @Option(names = "--model", defaultValue = "diffusion",
            description = "Local model: diffusion (the text-to-X-ray model, starting from --init) or probe "
                    + "(a logistic-regression finding probe, for quick checks). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--init", defaultValue = "models/base-cpu64", paramLabel = "CHECKPOINT",
            description = "Diffusion checkpoint folder the site's model is built from (its config and tokenizer; "
                    + "the coordinator's global weights replace its weights each round). Default: ${DEFAULT-VALUE}.")
    Path init;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Preprocessed-image cache (default ~/.cache/synthray/datasets).")
    Path cacheDir;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of local training. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--work-dir", defaultValue = "synthray-agent-work", paramLabel = "DIR",
            description = "Where large models received or sent by blob reference are kept. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Option(names = "--max-attempts", defaultValue = "0",
            description = "Give up after this many failed connection attempts in a row (0: keep trying). Default: ${DEFAULT-VALUE}.")
    int maxAttempts;

    @picocli.CommandLine.Mixin
    CoordinatorAccess access = new CoordinatorAccess();

    @Override
    public Integer call() throws Exception {
        String[] hp = coordinator.split(":");
        if (hp.length != 2 || hp[0].isBlank()) {
            throw new IllegalArgumentException("--coordinator must be HOST:PORT, got '" + coordinator + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hp[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--coordinator port must be a number, got '" + hp[1] + "'");
        }
        org.synthray.auth.CallerHeaders.requireSiteId(siteId, "--site-id");
        if (runId != null && !org.synthray.auth.CallerHeaders.isRunId(runId)) {
            throw new IllegalArgumentException("--run-id may use letters, digits, '.', '_' and '-' (1-40 characters)");
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("data folder " + data + " does not exist");
        }
        PatientShard part;
        try {
            part = PatientShard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--shard: " + e.getMessage());
        }
        io.grpc.CallCredentials creds = access.credentials(siteId);
        Path caFile = access.caFile;
        if (caFile != null) {
            org.synthray.agent.grpc.CoordinatorChannels.builder(hp[0], port, caFile); // a bad CA file fails here
        }
        LocalTrainer trainer = trainer(part.index(), part.count());
        // Models above the coordinator's size threshold come and go through its blob service.
        String host = hp[0];
        try (BlobClient blobs = new BlobClient(BlobClient.Options.of(host, port, siteId),
                () -> org.synthray.agent.grpc.CoordinatorChannels.builder(host, port, caFile)
                        .maxInboundMessageSize(64 << 20).flowControlWindow(8 << 20).build(), null, creds)) {
            FlowerConnection connection = new FlowerConnection(new FlowerClient(trainer, new ModelTransfer(blobs, workDir)),
                    FlowerConnection.Options.of(host, port, siteId).withRun(runId)
                            .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), maxAttempts)
                            .withSecurity(creds, caFile));
            System.out.printf("site %s joining %s%s (model %s%s%s)%n", siteId, coordinator, runId != null ? " run " + runId : "", model,
                    creds != null ? ", authenticated" : "", caFile != null ? ", TLS" : "");
            return report(connection.run());
        }
    }

    private int report(FlowerConnection.Outcome outcome) {
        System.out.printf("site %s done: %d instruction(s) answered over %d connection(s)%n", siteId,
                outcome.instructionsAnswered(), outcome.sessions());
        return 0;
    }

    private LocalTrainer trainer(int k, int n) throws Exception {
        PatientShard part = new PatientShard(k, n);
        DatasetCache cache = cacheDir != null ? new DatasetCache(cacheDir) : DatasetCache.defaultCache();
        switch (model) {
            case "probe" -> {
                ImageTextDataset train = part.apply(data, ImageTextDataset.load(data, "train", FindingProbe.SIDE, cache));
                ImageTextDataset val = part.apply(data, ImageTextDataset.load(data, "val", FindingProbe.SIDE, cache));
                System.out.printf("site %s: %d training and %d validation images (shard %s)%n", siteId, train.size(), val.size(), part);
                return new FindingProbe(train, val);
            }
            case "diffusion" -> {
                if (!Files.isDirectory(init)) {
                    throw new IllegalArgumentException("no checkpoint folder " + init + " (--init)");
                }
                TextToImagePipeline pipeline = Checkpoint.load(init);
                int size = pipeline.model().config().imageSize();
                ImageTextDataset train = part.apply(data, ImageTextDataset.load(data, "train", size, cache));
                ImageTextDataset val = loadOptional(part, "val", size, cache);
                System.out.printf("site %s: %d training and %d validation images at %dx%d (shard %s), model %s from %s%n",
                        siteId, train.size(), val != null ? val.size() : 0, size, size, part, pipeline.model().config().name(), init);
                // One progress line per round of local training: steps, loss, images/s, ETA.
                return new DiffusionTrainer(pipeline, train, val, seed, round -> {
                    ProgressBar bar = new ProgressBar(siteId + " round " + round, 1, System.out);
                    return p -> {
                        bar.setTotal(p.totalSteps());
                        bar.update(p.step(), String.format(java.util.Locale.ROOT, "loss %.4f  %.1f img/s", p.meanLoss(),
                                p.imagesPerSecond()), p.etaSeconds());
                        if (p.step() >= p.totalSteps()) {
                            bar.finish(null);
                        }
                    };
                });
            }
            default -> throw new IllegalArgumentException("unknown --model '" + model + "' (available: diffusion, probe)");
        }
    }

    /** A split a site may not have (e.g. no validation images): null instead of an error. */
    private ImageTextDataset loadOptional(PatientShard part, String split, int size, DatasetCache cache) throws Exception {
        try {
            ImageTextDataset ds = part.apply(data, ImageTextDataset.load(data, split, size, cache));
            return ds.size() > 0 ? ds : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

}
