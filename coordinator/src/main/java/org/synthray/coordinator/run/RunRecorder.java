package org.synthray.coordinator.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.federation.UpdateRef;
import org.synthray.coordinator.ledger.Actors;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.model.ModelStore;
import org.synthray.flower.Keys;
import org.synthray.json.CanonicalJson;
import org.synthray.coordinator.federation.Participation;
import org.synthray.coordinator.federation.RoundSummary;
import org.synthray.coordinator.federation.RunResult;
import org.synthray.coordinator.persistence.ModelUpdateRecord;
import org.synthray.coordinator.persistence.ModelVersionRecord;
import org.synthray.coordinator.persistence.ParticipationRecord;
import org.synthray.coordinator.persistence.RoundRecord;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.tensor.Weights;

/**
 * Writes what a run does to the database, one transaction per event. A round counts once its
 * model is stored (blob and index entry) and its row committed: a coordinator killed before that
 * redoes the round. Model versions are named by their model identity ({@link org.synthray.tensor.ModelId}).
 */
@ApplicationScoped
public class RunRecorder {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ModelStore models;

    @Inject
    FederationMetrics metrics;

    @Inject
    Ledger ledger;

    /** Records the starting model of a run (once: a resumed run already has one). */
    public void started(String runId, Weights initial) throws IOException {
        ModelStore.Stored stored = models.put(initial);
        recordInitial(runId, stored, initial);
    }

    @Transactional
    void recordInitial(String runId, ModelStore.Stored stored, Weights initial) {
        RunRecord run = RunRecord.findById(runId);
        if (run.globalModelSha256 != null) {
            return;
        }
        ModelVersionRecord v = version(stored, initial, ModelVersionRecord.Kind.INITIAL, runId, 0, null);
        v.persist();
        run.globalModelSha256 = stored.id();
        ledger.append(Actors.COORDINATOR, EventType.MODEL_VERSION_CREATED, versionEvent(v));
    }

    /**
     * @param strategyState the strategy's state after this round (server optimiser moments, privacy
     *                      accounting), or null; stored with the round so a resumed run continues it
     */
    public void roundFinished(RoundSummary s, Weights newGlobal, List<UpdateRef> accepted, Weights strategyState)
            throws IOException {
        ModelStore.Stored stored = newGlobal != null ? models.put(newGlobal) : null;
        String stateSha = strategyState != null && strategyState.size() > 0 ? models.putState(strategyState) : null;
        recordRound(s, stored, newGlobal, accepted, stateSha);
        metrics.round(s);
    }

    @Transactional
    void recordRound(RoundSummary s, ModelStore.Stored stored, Weights newGlobal, List<UpdateRef> accepted, String stateSha) {
        OffsetDateTime now = OffsetDateTime.now();
        RunRecord run = RunRecord.findById(s.runId());
        RoundRecord r = new RoundRecord();
        r.runId = s.runId();
        r.roundNumber = s.round();
        r.attempt = s.attempt();
        r.outcome = s.completed() ? "COMPLETED" : "FAILED";
        r.sitesAsked = s.asked();
        r.sitesAnswered = s.answered();
        r.sitesRejected = s.rejected().size();
        r.sitesFailed = s.failed().size();
        r.trainLoss = s.fitMetrics().get(Keys.TRAIN_LOSS);
        r.evalLoss = s.evaluation().numExamples() > 0 ? s.evaluation().loss() : null;
        r.evalExamples = s.evaluation().numExamples();
        r.bytesIn = s.bytesIn();
        r.bytesOut = s.bytesOut();
        r.durationMs = s.duration().toMillis();
        r.modelSha256 = stored != null ? stored.id() : null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fit", s.fitMetrics());
        m.put("evaluate", s.evaluation().metrics());
        r.metrics = json(m);
        r.finishedAt = now;
        r.persist();
        for (Participation p : s.participations()) {
            participation(s.runId(), s.round(), p.siteId(), p.phase().name(), p.outcome().name(), p.reason(),
                    p.numExamples(), p.loss(), p.metrics(), p.updateSha256(), now).persist();
        }
        // Ledger events last: the append holds the ledger's lock until this transaction commits.
        for (Participation p : s.participations()) {
            if (p.phase() == Participation.Phase.FIT) {
                ledger.append(Actors.site(p.siteId()),
                        p.outcome() == Participation.Outcome.ACCEPTED ? EventType.UPDATE_ACCEPTED : EventType.UPDATE_REJECTED,
                        updateEvent(s.runId(), s.round(), s.attempt(), p.siteId(), p.outcome().name(), p.reason(),
                                p.numExamples(), p.updateSha256()));
            }
        }
        ModelVersionRecord made = null;
        if (stored != null) {
            ModelVersionRecord v = version(stored, newGlobal, ModelVersionRecord.Kind.AGGREGATE, s.runId(), s.round(),
                    run.globalModelSha256);
            for (UpdateRef u : accepted) {
                v.updates.add(new ModelUpdateRecord(u.siteId(), u.sha256(), u.numExamples()));
            }
            v.persist();
            made = v;
            run.lastCompletedRound = s.round();
            run.globalModelSha256 = stored.id();
            run.strategyStateSha256 = stateSha;
            ledger.append(Actors.COORDINATOR, EventType.MODEL_VERSION_CREATED, versionEvent(v));
        }
        if (s.completed()) {
            Map<String, Object> e = CanonicalJson.object();
            e.put("run", s.runId());
            e.put("round", s.round());
            e.put("attempt", s.attempt());
            e.put("sites_asked", s.asked());
            e.put("sites_answered", s.answered());
            e.put("sites_rejected", s.rejected().size());
            e.put("sites_failed", s.failed().size());
            e.put("model_sha256", made != null ? made.sha256 : null);
            e.put("train_loss", finite(r.trainLoss));
            e.put("eval_loss", finite(r.evalLoss));
            e.put("eval_examples", r.evalExamples);
            e.put("duration_ms", r.durationMs);
            ledger.append(Actors.COORDINATOR, EventType.ROUND_COMPLETED, e);
        }
    }

    private static Map<String, Object> updateEvent(String runId, int round, int attempt, String site, String outcome,
                                                   String reason, long examples, String updateSha) {
        Map<String, Object> e = CanonicalJson.object();
        e.put("run", runId);
        e.put("round", round);
        e.put("attempt", attempt);
        e.put("site", site);
        e.put("outcome", outcome);
        e.put("reason", reason);
        e.put("num_examples", examples);
        e.put("update_sha256", updateSha);
        return e;
    }

    private static Map<String, Object> versionEvent(ModelVersionRecord v) {
        Map<String, Object> e = CanonicalJson.object();
        e.put("sha256", v.sha256);
        e.put("kind", v.kind.name());
        e.put("run", v.runId);
        e.put("round", v.roundNumber);
        e.put("parent_sha256", v.parentSha256);
        e.put("size_bytes", v.sizeBytes);
        e.put("parameters", v.parameterCount);
        List<Map<String, Object>> updates = new java.util.ArrayList<>();
        for (ModelUpdateRecord u : v.updates) {
            Map<String, Object> m = CanonicalJson.object();
            m.put("site", u.siteId);
            m.put("update_sha256", u.updateSha256);
            m.put("num_examples", u.numExamples);
            updates.add(m);
        }
        e.put("updates", updates);
        return e;
    }

    private static Double finite(Double d) {
        return d != null && Double.isFinite(d) ? d : null;
    }

    /** A reply that came after its round stopped waiting; {@code tag} is {@code run/round/phase}. */
    @Transactional
    public void lateReply(String tag, String siteId) {
        String[] t = tag != null ? tag.split("/") : new String[0];
        if (t.length != 3 || RunRecord.findById(t[0]) == null) {
            return;
        }
        String reason = "reply arrived after the round timeout; discarded";
        participation(t[0], Integer.parseInt(t[1]), siteId, t[2], "LATE", reason, 0, null, Map.of(), null, OffsetDateTime.now()).persist();
        if ("FIT".equals(t[2])) {
            ledger.append(Actors.site(siteId), EventType.UPDATE_REJECTED,
                    updateEvent(t[0], Integer.parseInt(t[1]), 0, siteId, "LATE", reason, 0, null));
        }
        metrics.lateReply(t[0]);
    }

    /** A restarted coordinator picks the run up after its last recorded round. */
    @Transactional
    public void resumed(String runId) {
        RunRecord run = RunRecord.findById(runId);
        Map<String, Object> e = CanonicalJson.object();
        e.put("run", runId);
        e.put("rounds_completed", run.lastCompletedRound);
        e.put("model_sha256", run.globalModelSha256);
        ledger.append(Actors.COORDINATOR, EventType.RUN_RESUMED, e);
    }

    @Transactional
    public void finished(String runId, RunResult result) {
        RunRecord run = RunRecord.findById(runId);
        run.state = switch (result.status()) {
            case COMPLETED -> RunRecord.State.COMPLETED;
            case FAILED -> RunRecord.State.FAILED;
            case CANCELLED -> RunRecord.State.CANCELLED;
        };
        run.failureReason = result.status() == RunResult.Status.COMPLETED ? null : result.reason();
        run.finishedAt = OffsetDateTime.now();
        Map<String, Object> e = CanonicalJson.object();
        e.put("run", runId);
        e.put("rounds_completed", run.lastCompletedRound);
        e.put("model_sha256", run.globalModelSha256);
        e.put("reason", run.failureReason);
        ledger.append(Actors.COORDINATOR, switch (run.state) {
            case COMPLETED -> EventType.RUN_COMPLETED;
            case FAILED -> EventType.RUN_FAILED;
            default -> EventType.RUN_CANCELLED;
        }, e);
    }

    private static ParticipationRecord participation(String runId, int round, String site, String phase, String outcome,
                                                     String reason, long examples, Double loss, Map<String, Object> metrics,
                                                     String updateSha, OffsetDateTime at) {
        ParticipationRecord p = new ParticipationRecord();
        p.runId = runId;
        p.roundNumber = round;
        p.siteId = site;
        p.phase = phase;
        p.outcome = outcome;
        p.reason = reason != null && reason.length() > 4000 ? reason.substring(0, 4000) : reason;
        p.numExamples = examples;
        p.loss = loss;
        p.metrics = json(printable(metrics));
        p.updateSha256 = updateSha;
        p.recordedAt = at;
        return p;
    }

    private static ModelVersionRecord version(ModelStore.Stored stored, Weights w, ModelVersionRecord.Kind kind,
                                              String runId, int round, String parent) {
        ModelVersionRecord v = new ModelVersionRecord();
        v.sha256 = stored.id();
        v.sizeBytes = stored.sizeBytes();
        v.tensorCount = w.size();
        v.parameterCount = w.parameterCount();
        v.kind = kind;
        v.runId = runId;
        v.roundNumber = round;
        v.parentSha256 = parent;
        v.createdAt = OffsetDateTime.now();
        return v;
    }

    /** Metrics as JSON-friendly values (bytes as hex, big integers as strings). */
    private static Map<String, Object> printable(Map<String, Object> metrics) {
        Map<String, Object> out = new LinkedHashMap<>();
        metrics.forEach((k, v) -> out.put(k, v instanceof com.google.protobuf.ByteString b
                ? java.util.HexFormat.of().formatHex(b.toByteArray())
                : v instanceof java.math.BigInteger big ? big.toString() : v));
        return out;
    }

    static String json(Object o) {
        try {
            String s = JSON.writeValueAsString(o);
            return s.length() > 100_000 ? s.substring(0, 100_000) : s;
        } catch (JsonProcessingException e) {
            return "{}";
        }
    }
}
