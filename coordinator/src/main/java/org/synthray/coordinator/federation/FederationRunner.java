package org.synthray.coordinator.federation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.synthray.coordinator.flower.ClientProxy;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.flower.Instructions;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.Keys;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.tensor.Weights;

/**
 * Runs one federation over the clients of a run, as a stock Flower server does: wait for the
 * minimum of clients, get initial weights (given, or from one client), then per round
 * FitIns → FitRes → aggregate → EvaluateIns → EvaluateRes, and finally {@code ReconnectIns(0)} to
 * every client of the run.
 *
 * <p>A bad update is rejected with its reason and the round goes on with the others; a client that
 * disconnects or misses the round timeout is dropped from the round. A round with fewer valid
 * updates than the strategy's minimum is retried (after waiting for clients again) up to the
 * configured number of times, then the run fails. A run can start at a later round, from the model
 * its last completed round made: that is how a restarted coordinator resumes.
 */
public final class FederationRunner {
    private static final Logger LOG = Logger.getLogger(FederationRunner.class);

    /**
     * @param firstRound     1 for a new run; last completed round + 1 when resuming
     * @param initialWeights the model to start from (for a resumed run: the last completed round's),
     *                       or null to ask one client for its weights
     * @param tensorNames    the names of the run's model config, given to the tensors a client sends
     *                       as the initial model (a client whose tensors do not fit is not used), or
     *                       null for positional names {@code t0, t1, …}
     */
    public record Settings(String runId, int rounds, int firstRound, int minClients, Duration joinTimeout,
                           Duration roundTimeout, int roundRetries, Weights initialWeights, List<String> tensorNames) {
        public Settings(String runId, int rounds, int firstRound, int minClients, Duration joinTimeout,
                        Duration roundTimeout, int roundRetries, Weights initialWeights) {
            this(runId, rounds, firstRound, minClients, joinTimeout, roundTimeout, roundRetries, initialWeights, null);
        }

        public Settings {
            tensorNames = tensorNames != null ? List.copyOf(tensorNames) : null;
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
            }
            if (minClients < 1) {
                throw new IllegalArgumentException("min clients must be at least 1, got " + minClients);
            }
            if (firstRound < 1 || firstRound > rounds + 1) {
                throw new IllegalArgumentException("first round must be in 1.." + (rounds + 1) + ", got " + firstRound);
            }
        }

        /** A new run from round 1 with no retries. */
        public static Settings of(String runId, int rounds, int minClients, Duration joinTimeout, Duration roundTimeout,
                                  Weights initialWeights) {
            return new Settings(runId, rounds, 1, minClients, joinTimeout, roundTimeout, 0, initialWeights);
        }
    }

    /** Told about the run as it goes; called on the run's thread. */
    public interface Listener {
        /** The model the run starts from, before round {@code settings.firstRound()}. */
        default void started(Weights initial) throws Exception {
        }

        /**
         * A round attempt ended: completed ({@code newGlobal} is the model it made, and
         * {@code accepted} the updates that made it) or failed ({@code newGlobal} null). A listener
         * that throws fails the run: a round that cannot be recorded must not count.
         */
        void roundFinished(RoundSummary summary, Weights newGlobal, List<UpdateRef> accepted) throws Exception;
    }

    private final ClientRegistry registry;
    private final Strategy strategy;
    private final Settings settings;
    private final Listener listener;
    private final WeightsTransport transport;
    private volatile Thread thread;
    private volatile boolean cancelled;

    public FederationRunner(ClientRegistry registry, Strategy strategy, Settings settings, Listener listener) {
        this(registry, strategy, settings, listener, WeightsTransport.INLINE);
    }

    /** @param transport how weights travel: inline tensors, or blob references for large models */
    public FederationRunner(ClientRegistry registry, Strategy strategy, Settings settings, Listener listener,
                            WeightsTransport transport) {
        this.registry = registry;
        this.strategy = strategy;
        this.settings = settings;
        this.listener = listener;
        this.transport = transport;
    }

    /** Stops the run at the next opportunity; {@link #run()} then returns CANCELLED. */
    public void cancel() {
        cancelled = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    public RunResult run() {
        thread = Thread.currentThread();
        String run = settings.runId();
        List<RoundSummary> rounds = new ArrayList<>();
        Weights global = settings.initialWeights();
        try {
            LOG.infof("run=%s waiting for %d client(s) (timeout %s)", run, settings.minClients(), settings.joinTimeout());
            if (!registry.awaitIdle(run, settings.minClients(), settings.joinTimeout())) {
                return failed("only " + registry.idle(run).size() + " of " + settings.minClients()
                        + " required clients joined within " + settings.joinTimeout(), rounds, global);
            }
            if (global == null) {
                global = initialWeightsFromAClient();
                if (global == null) {
                    return failed("no client provided initial weights", rounds, null);
                }
            }
            listener.started(global);
            LOG.infof("run=%s %s at round %d of %d with strategy %s; model: %d tensors, %d parameters, sha256 %s",
                    run, settings.firstRound() == 1 ? "starting" : "resuming", settings.firstRound(), settings.rounds(),
                    strategy.name(), global.size(), global.parameterCount(), global.modelId().substring(0, 12));
            for (int r = settings.firstRound(); r <= settings.rounds(); r++) {
                Weights next = null;
                for (int attempt = 1; next == null; attempt++) {
                    if (attempt > 1 && !registry.awaitIdle(run, strategy.minFitResults(), settings.joinTimeout())) {
                        return failed("round " + r + ": fewer than " + strategy.minFitResults()
                                + " clients available for a retry within " + settings.joinTimeout(), rounds, global);
                    }
                    RoundOutcome outcome = round(r, attempt, global);
                    rounds.add(outcome.summary);
                    LOG.info(outcome.summary.logLine());
                    listener.roundFinished(outcome.summary, outcome.weights, outcome.accepted);
                    next = outcome.weights;
                    if (next == null && attempt > settings.roundRetries()) {
                        return failed("round " + r + ": only " + outcome.summary.answered() + " valid update(s), "
                                + strategy.minFitResults() + " required", rounds, global);
                    }
                    if (cancelled) {
                        throw new InterruptedException();
                    }
                }
                global = next;
            }
            LOG.infof("run=%s completed %d round(s); final model %s", run, settings.rounds(), global.modelId());
            return new RunResult(RunResult.Status.COMPLETED, null, rounds, global);
        } catch (InterruptedException e) {
            LOG.infof("run=%s cancelled", run);
            return new RunResult(RunResult.Status.CANCELLED, "cancelled", rounds, global);
        } catch (Exception | Error e) {
            // Not the sites' doing (their bytes are contained above): the run ends FAILED, never half-alive.
            LOG.errorf(e, "run=%s stopped by an error", run);
            return failed("internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? " (" + abbreviate(e.getMessage()) + ")" : ""), rounds, global);
        } finally {
            for (ClientProxy c : registry.connected(run)) {
                c.disconnect(0);
            }
            thread = null;
        }
    }

    /** Reasons go into the database and the ledger: a few hundred characters at most. */
    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    private RunResult failed(String reason, List<RoundSummary> rounds, Weights global) {
        LOG.errorf("run=%s failed: %s", settings.runId(), reason);
        return new RunResult(RunResult.Status.FAILED, reason, rounds, global);
    }

    private Weights initialWeightsFromAClient() throws InterruptedException {
        for (ClientProxy c : registry.idle(settings.runId())) {
            if (!c.claim(settings.runId())) {
                continue;
            }
            List<Reply> got = new ArrayList<>();
            collect(List.of(new Sent(c, c.request(Instructions.getParameters(), tag(0, "initial")))), settings.roundTimeout(), got::add);
            Reply reply = got.get(0);
            if (reply.message == null) {
                LOG.warnf("client %s gave no initial weights: %s", c.id(), reply.error);
                continue;
            }
            ClientMessage.GetParametersRes res = reply.message.getGetParametersRes();
            if (res.getStatus().getCode() != Code.OK) {
                LOG.warnf("client %s gave no initial weights: %s", c.id(), res.getStatus().getCode());
                continue;
            }
            try {
                Weights w = FlowerTensors.toWeights(res.getParameters(), settings.tensorNames());
                LOG.infof("run=%s initial weights from client %s", settings.runId(), c.id());
                return w;
            } catch (IllegalArgumentException e) {
                LOG.warnf("client %s sent unusable initial weights: %s", c.id(), e.getMessage());
            }
        }
        return null;
    }

    private record RoundOutcome(RoundSummary summary, Weights weights, List<UpdateRef> accepted) {
    }

    private RoundOutcome round(int r, int attempt, Weights global) throws InterruptedException {
        long start = System.nanoTime();
        long[] bytes = new long[2]; // out, in
        List<Participation> parts = new ArrayList<>();

        // Fit
        List<ClientTask> fitTasks = strategy.configureFit(r, global, ids(registry.idle(settings.runId())));
        List<Sent> fits = dispatch(fitTasks, r, Participation.Phase.FIT, bytes, parts);
        UpdateAggregator aggregator = strategy.aggregator(r, global);
        try {
            return fitAndEvaluate(r, attempt, global, start, bytes, parts, fitTasks, fits, aggregator);
        } finally {
            aggregator.close(); // idempotent; removes a robust strategy's spill files whatever happened
        }
    }

    private RoundOutcome fitAndEvaluate(int r, int attempt, Weights global, long start, long[] bytes,
                                        List<Participation> parts, List<ClientTask> fitTasks, List<Sent> fits,
                                        UpdateAggregator aggregator) throws InterruptedException {
        List<UpdateRef> accepted = new ArrayList<>();
        List<Map.Entry<Long, Map<String, Object>>> fitMetrics = new ArrayList<>();
        // Each reply is validated and folded in as it arrives, then dropped: the coordinator holds the
        // aggregate and one update, not every update of the round.
        collect(fits, settings.roundTimeout(), reply -> {
            String id = reply.sent.client.id();
            if (reply.message == null) {
                parts.add(Participation.failed(id, Participation.Phase.FIT, reply.error));
                return;
            }
            bytes[1] += reply.message.getSerializedSize();
            if (!reply.message.hasFitRes()) {
                parts.add(Participation.rejected(id, Participation.Phase.FIT, "answered FitIns with " + reply.message.getMsgCase()));
                return;
            }
            ClientUpdate u;
            String sha;
            try {
                u = UpdateValidator.validate(id, reply.message.getFitRes(), global, transport,
                        new WeightsTransport.Origin(reply.sent.client.siteId(), reply.sent.askedAt));
                sha = transport.updateDigest(reply.message.getFitRes());
            } catch (UpdateValidator.RejectedUpdateException e) {
                LOG.warnf("run=%s round=%d update from %s rejected: %s", settings.runId(), r, id, e.getMessage());
                parts.add(Participation.rejected(id, Participation.Phase.FIT, e.getMessage()));
                return;
            } catch (RuntimeException | Error e) {
                // Whatever a site's bytes provoke costs that site its update, never the run.
                LOG.errorf(e, "run=%s round=%d update from %s could not be checked", settings.runId(), r, id);
                parts.add(Participation.rejected(id, Participation.Phase.FIT, "update could not be checked: "
                        + e.getClass().getSimpleName() + (e.getMessage() != null ? " (" + abbreviate(e.getMessage()) + ")" : "")));
                return;
            }
            {
                aggregator.add(u);
                accepted.add(new UpdateRef(id, sha, u.numExamples()));
                fitMetrics.add(Map.entry(u.numExamples(), u.metrics()));
                Object loss = u.metrics().get(Keys.TRAIN_LOSS);
                parts.add(new Participation(id, Participation.Phase.FIT, Participation.Outcome.ACCEPTED, null, u.numExamples(),
                        loss instanceof Number n ? n.doubleValue() : null, u.metrics(), sha));
            }
        });
        if (aggregator.count() < strategy.minFitResults()) {
            aggregator.close();
            return new RoundOutcome(summary(r, attempt, fitTasks.size(), aggregator.count(), parts, fitMetrics,
                    Map.of(), EvaluationSummary.NONE, bytes, start, null), null, accepted);
        }
        Weights next = aggregator.result();
        Map<String, Double> serverMetrics = aggregator.metrics();
        aggregator.close();

        // Evaluate the new global model.
        List<ClientTask> evalTasks = strategy.configureEvaluate(r, next, ids(registry.idle(settings.runId())));
        List<Sent> evals = dispatch(evalTasks, r, Participation.Phase.EVALUATE, bytes, parts);
        List<ClientEvaluation> evaluations = new ArrayList<>();
        collect(evals, settings.roundTimeout(), reply -> {
            String id = reply.sent.client.id();
            if (reply.message == null) {
                parts.add(Participation.failed(id, Participation.Phase.EVALUATE, reply.error));
                return;
            }
            bytes[1] += reply.message.getSerializedSize();
            ClientMessage.EvaluateRes res = reply.message.getEvaluateRes();
            if (!reply.message.hasEvaluateRes() || res.getStatus().getCode() != Code.OK
                    || res.getNumExamples() <= 0 || !Float.isFinite(res.getLoss())) {
                parts.add(Participation.rejected(id, Participation.Phase.EVALUATE, reply.message.hasEvaluateRes()
                        ? "status " + res.getStatus().getCode() + ", num_examples " + res.getNumExamples() + ", loss " + res.getLoss()
                        : "answered with " + reply.message.getMsgCase()));
                return;
            }
            Map<String, Object> metrics = Scalars.values(res.getMetricsMap());
            evaluations.add(new ClientEvaluation(id, res.getLoss(), res.getNumExamples(), metrics));
            parts.add(new Participation(id, Participation.Phase.EVALUATE, Participation.Outcome.ACCEPTED, null,
                    res.getNumExamples(), (double) res.getLoss(), metrics, null));
        });
        EvaluationSummary eval = strategy.aggregateEvaluate(r, evaluations);
        return new RoundOutcome(summary(r, attempt, fitTasks.size(), aggregator.count(), parts, fitMetrics,
                serverMetrics, eval, bytes, start, next), next, accepted);
    }

    private RoundSummary summary(int r, int attempt, int asked, int answered, List<Participation> parts,
                                 List<Map.Entry<Long, Map<String, Object>>> fitMetrics,
                                 Map<String, Double> serverMetrics, EvaluationSummary eval,
                                 long[] bytes, long start, Weights model) {
        // The strategy's own numbers for the round (e.g. dp_epsilon) join the sites' averaged metrics.
        Map<String, Double> metrics = new LinkedHashMap<>(WeightedMetrics.average(fitMetrics));
        metrics.putAll(serverMetrics);
        return new RoundSummary(settings.runId(), r, settings.rounds(), attempt, asked, answered, List.copyOf(parts),
                metrics, eval, bytes[0], bytes[1],
                Duration.ofNanos(System.nanoTime() - start), model != null ? model.modelId() : null);
    }

    /** An instruction on its way; {@code askedAt} bounds which uploads can belong to its reply. */
    private record Sent(ClientProxy client, CompletableFuture<ClientMessage> future, java.time.Instant askedAt) {
        Sent(ClientProxy client, CompletableFuture<ClientMessage> future) {
            this(client, future, java.time.Instant.now());
        }
    }

    private record Reply(Sent sent, ClientMessage message, String error) {
    }

    private String tag(int round, String phase) {
        return settings.runId() + "/" + round + "/" + phase;
    }

    /** Sends each task to its client; tasks for clients that have gone are recorded as failures. */
    private List<Sent> dispatch(List<ClientTask> tasks, int round, Participation.Phase phase, long[] bytes,
                                List<Participation> parts) {
        Map<String, ClientProxy> byId = new LinkedHashMap<>();
        for (ClientProxy c : registry.connected(settings.runId())) {
            byId.put(c.id(), c);
        }
        // Encode each distinct weights object once, however many clients receive it.
        Map<Weights, WeightsTransport.Outgoing> encoded = new IdentityHashMap<>();
        List<Sent> sent = new ArrayList<>();
        for (ClientTask t : tasks) {
            ClientProxy c = byId.get(t.clientId());
            if (c == null || c.busy() || !c.claim(settings.runId())) {
                parts.add(Participation.failed(t.clientId(), phase, "not available when the instruction was sent"));
                continue;
            }
            WeightsTransport.Outgoing out = encoded.get(t.weights());
            if (out == null) {
                try {
                    out = transport.outgoing(t.weights());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot publish the model for round " + round, e);
                }
                encoded.put(t.weights(), out);
            }
            Map<String, Scalar> config = t.config();
            if (!out.extraConfig().isEmpty()) {
                config = new LinkedHashMap<>(config);
                config.putAll(out.extraConfig());
            }
            boolean fit = phase == Participation.Phase.FIT;
            ServerMessage msg = fit ? Instructions.fit(out.parameters(), config) : Instructions.evaluate(out.parameters(), config);
            bytes[0] += msg.getSerializedSize();
            java.time.Instant askedAt = java.time.Instant.now();
            sent.add(new Sent(c, c.request(msg, tag(round, phase.name())), askedAt));
        }
        return sent;
    }

    /**
     * Hands each reply to {@code handler} (on this thread) as it completes, until all are in or the
     * timeout passes; whatever is still outstanding then is abandoned and handed over as timed out
     * (a late reply will be discarded and reported by its proxy).
     */
    private static void collect(List<Sent> sent, Duration timeout, java.util.function.Consumer<Reply> handler)
            throws InterruptedException {
        BlockingQueue<Reply> done = new LinkedBlockingQueue<>();
        for (Sent s : sent) {
            s.future.whenComplete((m, e) -> done.add(new Reply(s, m, e == null ? null
                    : (e instanceof CompletionException && e.getCause() != null ? e.getCause() : e).getMessage())));
        }
        int handled = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (handled < sent.size()) {
                Reply r = done.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (r == null) {
                    break;
                }
                handled++;
                handler.accept(r);
            }
        } finally {
            for (Sent s : sent) {
                if (!s.future.isDone()) {
                    s.client.abandonPending();
                    s.future.cancel(false);
                }
            }
        }
        // Replies that completed between the deadline and the cancel are still used; the rest timed out.
        Reply r;
        while ((r = done.poll()) != null) {
            if (r.message != null || !r.sent.future.isCancelled()) {
                handler.accept(r);
            } else {
                handler.accept(new Reply(r.sent, null, "no reply within the round timeout of " + timeout));
            }
        }
    }

    private static List<String> ids(List<ClientProxy> clients) {
        return clients.stream().map(ClientProxy::id).toList();
    }
}
