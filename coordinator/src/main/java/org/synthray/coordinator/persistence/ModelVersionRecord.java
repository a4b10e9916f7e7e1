package org.synthray.coordinator.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OneToMany;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A global model version: its content hash (the SHA-256 of its {@code .npz} blob), the version it
 * came from and the site updates that made it.
 */
@Entity
@Table(name = "model_versions")
public class ModelVersionRecord extends PanacheEntityBase {
    /** INITIAL (a run's starting model) or AGGREGATE (made by a round). */
    public enum Kind { INITIAL, AGGREGATE }

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "model_versions_seq")
    @SequenceGenerator(name = "model_versions_seq", sequenceName = "model_versions_seq", allocationSize = 50)
    public Long id;
    public String sha256;
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "tensor_count")
    public int tensorCount;
    @Column(name = "parameter_count")
    public long parameterCount;
    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    public Kind kind;
    @Column(name = "run_id")
    public String runId;
    @Column(name = "round_number")
    public int roundNumber;
    @Column(name = "parent_sha256")
    public String parentSha256;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @OneToMany(cascade = CascadeType.ALL, orphanRemoval = true)
    @JoinColumn(name = "model_version_id", nullable = false)
    public List<ModelUpdateRecord> updates = new ArrayList<>();

    public static Optional<ModelVersionRecord> ofRound(String runId, int round) {
        return find("runId = ?1 and roundNumber = ?2", runId, round).firstResultOptional();
    }

    public static List<ModelVersionRecord> withSha(String sha256) {
        return list("sha256", sha256);
    }
}
