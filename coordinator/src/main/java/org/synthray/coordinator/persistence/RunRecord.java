package org.synthray.coordinator.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.List;

/** A federated run: its spec, where it stands, and the global model it has reached. */
@Entity
@Table(name = "runs")
public class RunRecord extends PanacheEntityBase {
    /** created → running → completed | failed | cancelled. */
    public enum State { CREATED, RUNNING, COMPLETED, FAILED, CANCELLED;
        public boolean isFinal() {
            return this == COMPLETED || this == FAILED || this == CANCELLED;
        }
    }

    @Id
    public String id;
    public String name;
    /** The run spec as submitted (JSON). */
    public String spec;
    @Enumerated(EnumType.STRING)
    public State state;
    public String strategy;
    @Column(name = "rounds_total")
    public int roundsTotal;
    @Column(name = "last_completed_round")
    public int lastCompletedRound;
    @Column(name = "global_model_sha256")
    public String globalModelSha256;
    @Column(name = "strategy_state_sha256")
    public String strategyStateSha256;
    @Column(name = "failure_reason")
    public String failureReason;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "started_at")
    public OffsetDateTime startedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public static List<RunRecord> inState(State state) {
        return list("state", state);
    }
}
