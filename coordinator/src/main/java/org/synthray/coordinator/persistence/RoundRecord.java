package org.synthray.coordinator.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.List;

/** One attempt at one round of a run, completed or failed. */
@Entity
@Table(name = "rounds")
public class RoundRecord extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "rounds_seq")
    @SequenceGenerator(name = "rounds_seq", sequenceName = "rounds_seq", allocationSize = 50)
    public Long id;
    @Column(name = "run_id")
    public String runId;
    @Column(name = "round_number")
    public int roundNumber;
    public int attempt;
    /** COMPLETED or FAILED. */
    public String outcome;
    @Column(name = "sites_asked")
    public int sitesAsked;
    @Column(name = "sites_answered")
    public int sitesAnswered;
    @Column(name = "sites_rejected")
    public int sitesRejected;
    @Column(name = "sites_failed")
    public int sitesFailed;
    @Column(name = "train_loss")
    public Double trainLoss;
    @Column(name = "eval_loss")
    public Double evalLoss;
    @Column(name = "eval_examples")
    public long evalExamples;
    @Column(name = "bytes_in")
    public long bytesIn;
    @Column(name = "bytes_out")
    public long bytesOut;
    @Column(name = "duration_ms")
    public long durationMs;
    @Column(name = "model_sha256")
    public String modelSha256;
    /** Aggregated fit and evaluation metrics (JSON). */
    public String metrics;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public static List<RoundRecord> ofRun(String runId) {
        return list("runId = ?1 order by roundNumber, attempt", runId);
    }
}
