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
import org.synthray.agent.probe.ProbeData;
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

    @Option(names = "--model", defaultValue = "probe",
            description = "Local model: probe (logistic-regression finding probe). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--work-dir", defaultValue = "synthray-agent-work", paramLabel = "DIR",
            description = "Where large models received or sent by blob reference are kept. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Option(names = "--max-attempts", defaultValue = "0",
            description = "Give up after this many failed connection attempts in a row (0: keep trying). Default: ${DEFAULT-VALUE}.")
    int maxAttempts;

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
        if (!siteId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("--site-id may use letters, digits, '.', '_' and '-' (1-64 characters)");
        }
        if (runId != null && !runId.matches("[A-Za-z0-9._-]{1,40}")) {
            throw new IllegalArgumentException("--run-id may use letters, digits, '.', '_' and '-' (1-40 characters)");
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("data folder " + data + " does not exist");
        }
        int[] kn = parseShard(shard);
        LocalTrainer trainer = trainer(kn[0], kn[1]);
        // Models above the coordinator's size threshold come and go through its blob service.
        try (BlobClient blobs = new BlobClient(BlobClient.Options.of(hp[0], port, siteId))) {
            FlowerConnection connection = new FlowerConnection(new FlowerClient(trainer, new ModelTransfer(blobs, workDir)),
                    FlowerConnection.Options.of(hp[0], port, siteId).withRun(runId)
                            .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), maxAttempts));
            System.out.printf("site %s joining %s%s (model %s)%n", siteId, coordinator, runId != null ? " run " + runId : "", model);
            return report(connection.run());
        }
    }

    private int report(FlowerConnection.Outcome outcome) {
        System.out.printf("site %s done: %d instruction(s) answered over %d connection(s)%n", siteId,
                outcome.instructionsAnswered(), outcome.sessions());
        return 0;
    }

    private LocalTrainer trainer(int k, int n) throws Exception {
        if (!model.equals("probe")) {
            throw new IllegalArgumentException("unknown --model '" + model + "' (available: probe)");
        }
        List<ProbeData.Example> train = ProbeData.load(data, "train", k, n);
        List<ProbeData.Example> val = ProbeData.load(data, "val", k, n);
        System.out.printf("site %s: %d training and %d validation images (shard %d/%d)%n", siteId, train.size(), val.size(), k, n);
        return new FindingProbe(train, val);
    }

    static int[] parseShard(String s) {
        String[] p = s.split("/");
        try {
            int k = Integer.parseInt(p[0]);
            int n = Integer.parseInt(p[1]);
            if (p.length == 2 && n >= 1 && k >= 0 && k < n) {
                return new int[] {k, n};
            }
        } catch (RuntimeException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--shard must be K/N with 0 <= K < N, got '" + s + "'");
    }
}
