package org.synthray.coordinator.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * One entry of the model index: a model's identity ({@link org.synthray.tensor.ModelId}) and the
 * blob that holds it, with what an admin said about how it was made (a base model's
 * {@code info.json}) when it was uploaded with that.
 */
@Entity
@Table(name = "models")
public class ModelRecord extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "blob_sha256")
    public String blobSha256;
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "tensor_count")
    public int tensorCount;
    @Column(name = "parameter_count")
    public long parameterCount;
    /** The model config it was made for ({@code cpu64}); runs with that config name their tensors from it. */
    @Column(name = "config_name")
    public String configName;
    /** How it was made (JSON: data, config, training run), or null. */
    public String provenance;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    /** The most recently described model made for {@code config}, if any. */
    public static Optional<ModelRecord> latestFor(String config) {
        return find("configName = ?1 order by createdAt desc", config).firstResultOptional();
    }
}
