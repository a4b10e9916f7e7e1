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

/** What one site did in one round: its update accepted, rejected (why), failed (why) or late. */
@Entity
@Table(name = "participations")
public class ParticipationRecord extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "participations_seq")
    @SequenceGenerator(name = "participations_seq", sequenceName = "participations_seq", allocationSize = 50)
    public Long id;
    @Column(name = "run_id")
    public String runId;
    @Column(name = "round_number")
    public int roundNumber;
    @Column(name = "site_id")
    public String siteId;
    /** FIT or EVALUATE. */
    public String phase;
    /** ACCEPTED, REJECTED, FAILED or LATE. */
    public String outcome;
    public String reason;
    @Column(name = "num_examples")
    public Long numExamples;
    public Double loss;
    /** The site's metrics (JSON). */
    public String metrics;
    @Column(name = "update_sha256")
    public String updateSha256;
    @Column(name = "recorded_at")
    public OffsetDateTime recordedAt;

    public static List<ParticipationRecord> ofRound(String runId, int round) {
        return list("runId = ?1 and roundNumber = ?2 order by id", runId, round);
    }
}
