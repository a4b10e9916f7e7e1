package org.synthray.coordinator.run;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.ledger.Actors;
import org.synthray.coordinator.model.ModelStore;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.ModelVersionRecord;
import org.synthray.coordinator.persistence.ParticipationRecord;
import org.synthray.coordinator.persistence.RoundRecord;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.coordinator.run.RunViews.ParticipationView;
import org.synthray.coordinator.run.RunViews.RoundDetail;
import org.synthray.coordinator.run.RunViews.RoundView;
import org.synthray.coordinator.run.RunViews.RunDetail;
import org.synthray.coordinator.run.RunViews.RunView;
import org.synthray.coordinator.run.RunViews.UpdateView;
import org.synthray.json.CanonicalJson;

/**
 * Runs: creating, starting and cancelling them (the state machine created → running → completed |
 * failed | cancelled), and reading them back with their rounds. The REST API and the console call
 * these methods and nothing below them.
 */
@ApplicationScoped
public class RunService {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    ModelStore models;

    @Inject
    RunExecutor executor;

    @Inject
    Ledger ledger;

    /** {@link #create(String, String)} by {@link Actors#ADMIN}. */
    public RunRecord create(String specJson) {
        return create(specJson, Actors.ADMIN);
    }

    /** {@link #markRunning(String, String)} by {@link Actors#ADMIN}. */
    public RunRecord markRunning(String id) {
        return markRunning(id, Actors.ADMIN);
    }

    /** {@link #cancelCreated(String, String)} by {@link Actors#ADMIN}. */
    public RunRecord cancelCreated(String id) {
        return cancelCreated(id, Actors.ADMIN);
    }

    /** {@link #markCancelled(String, String)} by {@link Actors#ADMIN}. */
    public void markCancelled(String id) {
        markCancelled(id, Actors.ADMIN);
    }

    /**
     * @param actor who creates it, for the ledger ({@code admin}, {@code admin:<user>})
     * @throws IllegalArgumentException when the spec is invalid or names a model that is not stored
     */
    @Transactional
    public RunRecord create(String specJson, String actor) {
        RunSpec spec = RunSpec.parse(specJson);
        // Refuses unknown strategies and parameters now, not when the run starts.
        StrategyFactory.create(spec, java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
        if (spec.initialModel() != null && !models.exists(spec.initialModel())) {
            throw new IllegalArgumentException("initial_model " + spec.initialModel() + " is not stored; upload it first (POST /api/models)");
        }
        RunRecord r = new RunRecord();
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        r.id = "run-" + HexFormat.of().formatHex(id);
        r.name = spec.name();
        r.spec = spec.toJson();
        r.state = RunRecord.State.CREATED;
        r.strategy = spec.strategy().name();
        r.roundsTotal = spec.rounds();
        r.createdAt = OffsetDateTime.now();
        r.persist();
        Map<String, Object> event = CanonicalJson.object();
        event.put("run", r.id);
        event.put("name", r.name);
        event.put("strategy", r.strategy);
        event.put("rounds", r.roundsTotal);
        event.put("initial_model", spec.initialModel());
        event.put("spec", CanonicalJson.parse(r.spec));
        ledger.append(actor, EventType.RUN_CREATED, event);
        return r;
    }

    /**
     * Moves a created run to RUNNING. The caller then launches it.
     *
     * @throws IllegalStateException when the run is not in state CREATED
     */
    @Transactional
    public RunRecord markRunning(String id, String actor) {
        RunRecord r = get(id);
        if (r.state != RunRecord.State.CREATED) {
            throw new IllegalStateException("run " + id + " is " + r.state + "; only a CREATED run can be started");
        }
        r.state = RunRecord.State.RUNNING;
        r.startedAt = OffsetDateTime.now();
        ledger.append(actor, EventType.RUN_STARTED, Map.of("run", id));
        return r;
    }

    /**
     * Cancels a run that has not ended.
     *
     * @throws IllegalStateException when it has ended already
     */
    @Transactional
    public RunRecord cancelCreated(String id, String actor) {
        RunRecord r = get(id);
        if (r.state.isFinal()) {
            throw new IllegalStateException("run " + id + " has already ended (" + r.state + ")");
        }
        if (r.state == RunRecord.State.CREATED) {
            r.state = RunRecord.State.CANCELLED;
            r.finishedAt = OffsetDateTime.now();
            ledger.append(actor, EventType.RUN_CANCELLED, Map.of("run", id, "was", "CREATED"));
        }
        return r;
    }

    /** Marks a RUNNING run that no thread executes (any more) as cancelled. */
    @Transactional
    public void markCancelled(String id, String actor) {
        RunRecord r = get(id);
        if (!r.state.isFinal()) {
            String was = r.state.name();
            r.state = RunRecord.State.CANCELLED;
            r.finishedAt = OffsetDateTime.now();
            ledger.append(actor, EventType.RUN_CANCELLED, Map.of("run", id, "was", was));
        }
    }

    /**
     * Starts a created run: RUNNING in the database, then a thread executes it.
     *
     * @throws IllegalStateException when the run is not in state CREATED
     */
    public RunView start(String id, String actor) {
        RunRecord r = markRunning(id, actor);
        executor.launch(id);
        return RunView.of(r);
    }

    /**
     * Cancels a run that has not ended: a created one at once; a running one by stopping its thread
     * (which records the cancellation), or here when no thread executes it.
     *
     * @throws IllegalStateException when it has ended already
     */
    public RunView cancel(String id, String actor) {
        RunRecord r = cancelCreated(id, actor);
        if (r.state == RunRecord.State.RUNNING && !executor.cancel(id)) {
            markCancelled(id, actor);
        }
        return RunView.of(get(id));
    }

    /** Every run, newest first. */
    @Transactional
    public List<RunView> list() {
        return all().stream().map(RunView::of).toList();
    }

    /** A run with its spec and every round attempt. */
    @Transactional
    public RunDetail detail(String id) {
        RunRecord r = get(id);
        return new RunDetail(RunView.of(r), r.spec, RoundRecord.ofRun(id).stream().map(RoundView::of).toList());
    }

    /** One round of a run: each site's outcome, and the model version it made. */
    @Transactional
    public RoundDetail round(String id, int round) {
        get(id);
        List<ParticipationView> sites = ParticipationRecord.ofRound(id, round).stream().map(ParticipationView::of).toList();
        ModelVersionRecord v = ModelVersionRecord.ofRound(id, round).orElse(null);
        if (sites.isEmpty() && v == null) {
            throw new jakarta.ws.rs.NotFoundException("run " + id + " has no round " + round);
        }
        return new RoundDetail(round, sites, v != null ? v.sha256 : null, v != null ? v.parentSha256 : null,
                v == null ? List.of() : v.updates.stream().map(u -> new UpdateView(u.siteId, u.updateSha256, u.numExamples)).toList());
    }

    /** @throws jakarta.ws.rs.NotFoundException when there is no such run */
    @Transactional
    public RunRecord get(String id) {
        RunRecord r = RunRecord.findById(id);
        if (r == null) {
            throw new jakarta.ws.rs.NotFoundException("no run " + id);
        }
        return r;
    }

    @Transactional
    public RunRecord.State state(String id) {
        RunRecord r = RunRecord.findById(id);
        return r != null ? r.state : null;
    }

    @Transactional
    public List<RunRecord> inState(RunRecord.State state) {
        return RunRecord.inState(state);
    }

    @Transactional
    public List<RunRecord> all() {
        return RunRecord.list("order by createdAt desc");
    }
}
