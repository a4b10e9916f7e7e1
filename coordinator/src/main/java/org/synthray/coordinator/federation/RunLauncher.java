package org.synthray.coordinator.federation;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;
import org.synthray.coordinator.federation.strategy.FedAvg;

/** Starts the configured federated run when the coordinator starts, on its own thread. */
@ApplicationScoped
public class RunLauncher {
    private static final Logger LOG = Logger.getLogger(RunLauncher.class);

    @Inject
    FederationConfig config;

    @Inject
    ClientRegistry registry;

    void onStart(@Observes StartupEvent event) {
        if (!config.autostart()) {
            return;
        }
        Thread t = new Thread(this::runAndReport, "federation-" + config.runName());
        t.setDaemon(true);
        t.start();
    }

    private void runAndReport() {
        int exit = 1;
        try {
            RunResult result = runner().run();
            if (result.status() == RunResult.Status.COMPLETED) {
                exit = 0;
                if (config.output().isPresent()) {
                    Files.createDirectories(config.output().get().toAbsolutePath().getParent());
                    Npz.write(result.finalWeights(), config.output().get());
                    LOG.infof("final model written to %s", config.output().get());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            LOG.error("run " + config.runName() + " failed: " + e.getMessage(), e);
        }
        if (config.exitWhenDone()) {
            Quarkus.asyncExit(exit);
        }
    }

    /** The runner for the configured run: FedAvg with the configured fit/evaluate config. */
    public FederationRunner runner() throws IOException {
        Weights initial = config.initialWeights().isPresent() ? Npz.read(config.initialWeights().get()) : null;
        Map<String, Scalar> fit = ConfigValues.typed(config.fitConfig());
        Map<String, Scalar> evaluate = ConfigValues.typed(config.evaluateConfig());
        Strategy strategy = new FedAvg(config.fractionFit(), config.fractionEvaluate(), config.minClients(),
                config.minClients(), round -> withRound(fit, round), round -> withRound(evaluate, round), config.seed());
        return new FederationRunner(registry, strategy, new FederationRunner.Settings(config.runName(), config.rounds(),
                config.minClients(), config.joinTimeout(), config.roundTimeout(), initial), summary -> { });
    }

    /** The configured keys plus {@code server_round}, the convention Flower's examples use. */
    static Map<String, Scalar> withRound(Map<String, Scalar> base, int round) {
        Map<String, Scalar> out = new LinkedHashMap<>(base);
        out.put("server_round", Scalars.of((long) round));
        return out;
    }
}
