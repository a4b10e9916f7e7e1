package org.synthray.coordinator.federation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.synthray.coordinator.flower.ClientProxy;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.flower.Instructions;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.tensor.Weights;

/**
 * Runs one federation over the clients in a {@link ClientRegistry}, as a stock Flower server does:
 * wait for the minimum of clients, get initial weights (given, or from one client), then per round
 * FitIns → FitRes → aggregate → EvaluateIns → EvaluateRes, and finally {@code ReconnectIns(0)} to
 * every client.
 *
 * <p>A bad update is rejected with its reason and the round goes on with the others; a client that
 * disconnects or misses the round timeout is dropped from the round; a round with fewer valid
 * updates than the strategy's minimum ends the run as failed.
 */
public final class FederationRunner {
    private static final Logger LOG = Logger.getLogger(FederationRunner.class);

    /**
     * @param initialWeights starting model, or null to ask one client for its weights
     */
    public record Settings(String runName, int rounds, int minClients, Duration joinTimeout, Duration roundTimeout,
                           Weights initialWeights) {
        public Settings {
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
            }
            if (minClients < 1) {
                throw new IllegalArgumentException("min clients must be at least 1, got " + minClients);
            }
        }
    }

    /** Told about every round as it completes (or fails). */
    @FunctionalInterface
    public interface Listener {
        void roundCompleted(RoundSummary summary);
    }

    private final ClientRegistry registry;
    private final Strategy strategy;
    private final Settings settings;
    private final Listener listener;

    public FederationRunner(ClientRegistry registry, Strategy strategy, Settings settings, Listener listener) {
        this.registry = registry;
        this.strategy = strategy;
        this.settings = settings;
        this.listener = listener;
    }

    public RunResult run() throws InterruptedException {
        List<RoundSummary> rounds = new ArrayList<>();
        Weights global = settings.initialWeights();
        try {
            LOG.infof("run=%s waiting for %d client(s) (timeout %s)", settings.runName(), settings.minClients(),
                    settings.joinTimeout());
            if (!registry.awaitIdle(settings.minClients(), settings.joinTimeout())) {
                return failed("only " + registry.idle().size() + " of " + settings.minClients()
                        + " required clients joined within " + settings.joinTimeout(), rounds, global);
            }
            if (global == null) {
                global = initialWeightsFromAClient();
                if (global == null) {
                    return failed("no client provided initial weights", rounds, null);
                }
            }
            LOG.infof("run=%s starting %d round(s) with strategy %s; model: %d tensors, %d parameters, sha256 %s",
                    settings.runName(), settings.rounds(), strategy.name(), global.size(), global.parameterCount(),
                    global.sha256().substring(0, 12));
            for (int r = 1; r <= settings.rounds(); r++) {
                RoundOutcome outcome = round(r, global);
                rounds.add(outcome.summary);
                LOG.info(outcome.summary.logLine(settings.runName()));
                listener.roundCompleted(outcome.summary);
                if (outcome.weights == null) {
                    return failed("round " + r + ": only " + outcome.summary.answered() + " valid update(s), "
                            + strategy.minFitResults() + " required", rounds, global);
                }
                global = outcome.weights;
            }
            LOG.infof("run=%s completed %d round(s); final model sha256 %s", settings.runName(), rounds.size(),
                    global.sha256());
            return new RunResult(RunResult.Status.COMPLETED, null, rounds, global);
        } finally {
            for (ClientProxy c : registry.connected()) {
                c.disconnect(0);
            }
        }
    }

    private RunResult failed(String reason, List<RoundSummary> rounds, Weights global) {
        LOG.errorf("run=%s failed: %s", settings.runName(), reason);
        return new RunResult(RunResult.Status.FAILED, reason, rounds, global);
    }

    private Weights initialWeightsFromAClient() throws InterruptedException {
        for (ClientProxy c : registry.idle()) {
            Reply reply = await(List.of(new Sent(c, c.request(Instructions.getParameters()))),
                    settings.roundTimeout()).get(0);
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
                Weights w = FlowerTensors.toWeights(res.getParameters(), null);
                LOG.infof("initial weights from client %s", c.id());
                return w;
            } catch (IllegalArgumentException e) {
                LOG.warnf("client %s sent unusable initial weights: %s", c.id(), e.getMessage());
            }
        }
        return null;
    }

    private record RoundOutcome(RoundSummary summary, Weights weights) {
    }

    private RoundOutcome round(int r, Weights global) throws InterruptedException {
        long start = System.nanoTime();
        long[] bytes = new long[2]; // out, in
        List<String> rejected = new ArrayList<>();
        List<String> failed = new ArrayList<>();

        // Fit
        List<ClientTask> fitTasks = strategy.configureFit(r, global, ids(registry.idle()));
        List<Sent> fits = dispatch(fitTasks, true, bytes, failed);
        UpdateAggregator aggregator = strategy.aggregator(r, global);
        List<Map.Entry<Long, Map<String, Object>>> fitMetrics = new ArrayList<>();
        for (Reply reply : await(fits, settings.roundTimeout())) {
            String id = reply.sent.client.id();
            if (reply.message == null) {
                failed.add(id + ": " + reply.error);
                continue;
            }
            bytes[1] += reply.message.getSerializedSize();
            if (!reply.message.hasFitRes()) {
                rejected.add(id + ": answered FitIns with " + reply.message.getMsgCase());
                continue;
            }
            try {
                ClientUpdate u = UpdateValidator.validate(id, reply.message.getFitRes(), global);
                aggregator.add(u);
                fitMetrics.add(Map.entry(u.numExamples(), u.metrics()));
            } catch (UpdateValidator.RejectedUpdateException e) {
                LOG.warnf("run=%s round=%d update from %s rejected: %s", settings.runName(), r, id, e.getMessage());
                rejected.add(id + ": " + e.getMessage());
            }
        }
        if (aggregator.count() < strategy.minFitResults()) {
            aggregator.close();
            return new RoundOutcome(summary(r, fitTasks.size(), aggregator.count(), rejected, failed, fitMetrics,
                    Map.of(), EvaluationSummary.NONE, bytes, start, global), null);
        }
        Weights next = aggregator.result();
        Map<String, Double> serverMetrics = aggregator.metrics();
        aggregator.close();

        // Evaluate the new global model.
        List<ClientTask> evalTasks = strategy.configureEvaluate(r, next, ids(registry.idle()));
        List<Sent> evals = dispatch(evalTasks, false, bytes, failed);
        List<ClientEvaluation> evaluations = new ArrayList<>();
        for (Reply reply : await(evals, settings.roundTimeout())) {
            String id = reply.sent.client.id();
            if (reply.message == null) {
                failed.add(id + " (evaluate): " + reply.error);
                continue;
            }
            bytes[1] += reply.message.getSerializedSize();
            ClientMessage.EvaluateRes res = reply.message.getEvaluateRes();
            if (!reply.message.hasEvaluateRes() || res.getStatus().getCode() != Code.OK
                    || res.getNumExamples() <= 0 || !Float.isFinite(res.getLoss())) {
                rejected.add(id + " (evaluate): " + (reply.message.hasEvaluateRes()
                        ? "status " + res.getStatus().getCode() + ", num_examples " + res.getNumExamples() + ", loss " + res.getLoss()
                        : "answered with " + reply.message.getMsgCase()));
                continue;
            }
            evaluations.add(new ClientEvaluation(id, res.getLoss(), res.getNumExamples(), Scalars.values(res.getMetricsMap())));
        }
        EvaluationSummary eval = strategy.aggregateEvaluate(r, evaluations);
        return new RoundOutcome(summary(r, fitTasks.size(), aggregator.count(), rejected, failed, fitMetrics,
                serverMetrics, eval, bytes, start, next), next);
    }

    private RoundSummary summary(int r, int asked, int answered, List<String> rejected, List<String> failed,
                                 List<Map.Entry<Long, Map<String, Object>>> fitMetrics,
                                 Map<String, Double> serverMetrics, EvaluationSummary eval,
                                 long[] bytes, long start, Weights model) {
        // The strategy's own numbers for the round (e.g. dp_epsilon) join the sites' averaged metrics.
        Map<String, Double> metrics = new LinkedHashMap<>(WeightedMetrics.average(fitMetrics));
        metrics.putAll(serverMetrics);
        return new RoundSummary(r, settings.rounds(), asked, answered, List.copyOf(rejected), List.copyOf(failed),
                metrics, eval, bytes[0], bytes[1],
                Duration.ofNanos(System.nanoTime() - start), model.sha256());
    }

    private record Sent(ClientProxy client, CompletableFuture<ClientMessage> future) {
    }

    private record Reply(Sent sent, ClientMessage message, String error) {
    }

    /** Sends each task to its client; tasks for clients that have gone are recorded as failures. */
    private List<Sent> dispatch(List<ClientTask> tasks, boolean fit, long[] bytes, List<String> failed) {
        Map<String, ClientProxy> byId = new LinkedHashMap<>();
        for (ClientProxy c : registry.connected()) {
            byId.put(c.id(), c);
        }
        // Encode each distinct weights object once, however many clients receive it.
        Map<Weights, Parameters> encoded = new IdentityHashMap<>();
        List<Sent> sent = new ArrayList<>();
        for (ClientTask t : tasks) {
            ClientProxy c = byId.get(t.clientId());
            if (c == null || c.busy()) {
                failed.add(t.clientId() + ": not available when the instruction was sent");
                continue;
            }
            Parameters p = encoded.computeIfAbsent(t.weights(), FlowerTensors::toParameters);
            ServerMessage msg = fit ? Instructions.fit(p, t.config()) : Instructions.evaluate(p, t.config());
            bytes[0] += msg.getSerializedSize();
            sent.add(new Sent(c, c.request(msg)));
        }
        return sent;
    }

    /**
     * Collects replies as they complete, until all are in or the timeout passes; whatever is still
     * outstanding then is abandoned (a late reply will be discarded by its proxy).
     */
    private static List<Reply> await(List<Sent> sent, Duration timeout) throws InterruptedException {
        BlockingQueue<Reply> done = new LinkedBlockingQueue<>();
        for (Sent s : sent) {
            s.future.whenComplete((m, e) -> done.add(new Reply(s, m, e == null ? null
                    : (e.getCause() != null && e instanceof java.util.concurrent.CompletionException ? e.getCause() : e).getMessage())));
        }
        List<Reply> replies = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (replies.size() < sent.size()) {
            Reply r = done.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (r == null) {
                break;
            }
            replies.add(r);
        }
        for (Sent s : sent) {
            if (!s.future.isDone()) {
                s.client.abandonPending();
                s.future.cancel(false);
            }
        }
        // Replies that completed between the deadline and the cancel are still used; the rest timed out.
        Reply r;
        while ((r = done.poll()) != null) {
            if (r.message != null || !r.sent.future.isCancelled()) {
                replies.add(r);
            } else {
                replies.add(new Reply(r.sent, null, "no reply within the round timeout of " + timeout));
            }
        }
        return replies;
    }

    private static List<String> ids(List<ClientProxy> clients) {
        return clients.stream().map(ClientProxy::id).toList();
    }
}
