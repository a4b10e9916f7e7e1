package org.synthray.coordinator.run;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.synthray.coordinator.federation.UpdateRef;
import org.synthray.coordinator.federation.FederationRunner;
import org.synthray.coordinator.federation.RoundSummary;
import org.synthray.coordinator.federation.RunResult;
import org.synthray.coordinator.federation.StatefulStrategy;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.coordinator.flower.ClientProxy;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.model.ModelStore;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.tensor.Weights;

/**
 * Runs the federations that are in state RUNNING, one thread each, and picks them up again when
 * the coordinator restarts: a run resumes at the round after its last recorded one, from that
 * round's model.
 */
@ApplicationScoped
public class RunExecutor {
    private static final Logger LOG = Logger.getLogger(RunExecutor.class);

    @Inject
    ClientRegistry registry;

    @Inject
    ModelStore models;

    @Inject
    RunRecorder recorder;

    @Inject
    RunService runs;

    @Inject
    org.synthray.coordinator.blob.BlobWeightsTransport blobTransport;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "synthray.spill.dir", defaultValue = "synthray-data/spill")
    java.nio.file.Path spillDir;

    private final Map<String, FederationRunner> active = new ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "run-admission");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;

    void onStart(@Observes StartupEvent event) {
        // Both arrive on gRPC's event loop, where the database must not be touched: handled on a worker.
        registry.onLateReply(late -> java.util.concurrent.CompletableFuture.runAsync(
                () -> recorder.lateReply(late.tag(), late.client().id()), workers));
        registry.onJoin(this::turnAwayFromEndedRuns);
        for (RunRecord run : runs.inState(RunRecord.State.RUNNING)) {
            LOG.infof("run=%s was running when the coordinator stopped; resuming after round %d", run.id,
                    run.lastCompletedRound);
            recorder.resumed(run.id);
            launch(run.id);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        // Runs stay RUNNING in the database and resume at the next start.
        stopping = true;
        active.values().forEach(FederationRunner::cancel);
    }

    /** A SynthRay agent asking for a run that has ended is told to leave rather than wait forever. */
    private void turnAwayFromEndedRuns(ClientProxy client) {
        if (client.runId() != null) {
            java.util.concurrent.CompletableFuture.runAsync(() -> checkRunOf(client), workers);
        }
    }

    private void checkRunOf(ClientProxy client) {
        RunRecord.State state = runs.state(client.runId());
        if (state != null && state.isFinal()) {
            LOG.infof("client %s asked for run %s, which has ended (%s); telling it to disconnect", client.id(),
                    client.runId(), state);
            client.disconnect(0);
        }
    }

    /** Starts the run's thread (the run must be RUNNING in the database). */
    public void launch(String runId) {
        RunRecord run = runs.get(runId);
        RunSpec spec = RunSpec.parse(run.spec);
        Strategy strategy = StrategyFactory.create(spec, spillDir);
        Weights start;
        List<String> names;
        try {
            String sha = run.globalModelSha256 != null ? run.globalModelSha256 : spec.initialModel();
            start = sha != null ? models.get(sha) : null;
            // Tensors a client sends as the initial model are named once, here, from the run's model config.
            names = start != null ? start.names() : models.namesFor(spec.model()).orElse(null);
            if (strategy instanceof StatefulStrategy stateful && run.strategyStateSha256 != null) {
                // Server optimiser moments, privacy accounting: exactly as after the last recorded round.
                stateful.restore(models.getState(run.strategyStateSha256));
            }
        } catch (IOException | IllegalArgumentException e) {
            recorder.finished(runId, new RunResult(RunResult.Status.FAILED, "cannot load the run's model: " + e.getMessage(),
                    List.of(), null));
            return;
        }
        FederationRunner.Settings settings = new FederationRunner.Settings(runId, spec.rounds(), run.lastCompletedRound + 1,
                spec.minSites(), Duration.ofSeconds(spec.joinTimeoutS()), Duration.ofSeconds(spec.roundTimeoutS()),
                spec.roundRetries(), start, names);
        FederationRunner runner = new FederationRunner(registry, strategy, settings, new FederationRunner.Listener() {
            @Override
            public void started(Weights initial) throws Exception {
                recorder.started(runId, initial);
            }

            @Override
            public void roundFinished(RoundSummary summary, Weights newGlobal, List<UpdateRef> accepted) throws Exception {
                Weights state = newGlobal != null && strategy instanceof StatefulStrategy s ? s.state() : null;
                recorder.roundFinished(summary, newGlobal, accepted, state);
            }
        }, blobTransport);
        if (active.putIfAbsent(runId, runner) != null) {
            throw new IllegalStateException("run " + runId + " is already executing");
        }
        Thread t = new Thread(() -> execute(runId, runner), "run-" + runId);
        t.setDaemon(true);
        t.start();
    }

    private void execute(String runId, FederationRunner runner) {
        RunResult result;
        try {
            result = runner.run();
        } catch (RuntimeException | Error e) {
            // The runner contains its own failures; this is the last line: a run thread that dies
            // must still end its run FAILED (with its RUN_FAILED event), never leave it RUNNING with no thread.
            LOG.errorf(e, "run=%s: its thread failed", runId);
            result = new RunResult(RunResult.Status.FAILED, "internal error: " + e.getClass().getSimpleName(),
                    List.of(), null);
        }
        try {
            if (result.status() == RunResult.Status.CANCELLED && stopping) {
                return; // coordinator shutting down: leave the run RUNNING so it resumes
            }
            recorder.finished(runId, result);
        } catch (RuntimeException e) {
            LOG.errorf(e, "run=%s could not be recorded", runId);
        } finally {
            active.remove(runId);
        }
    }

    /** Cancels an executing run; returns false when it is not executing here. */
    public boolean cancel(String runId) {
        FederationRunner r = active.get(runId);
        if (r == null) {
            return false;
        }
        r.cancel();
        return true;
    }

    public boolean isExecuting(String runId) {
        return active.containsKey(runId);
    }
}
