package org.synthray.coordinator.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** One site update that went into a model version. */
@Entity
@Table(name = "model_version_updates")
public class ModelUpdateRecord extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "model_version_updates_seq")
    @SequenceGenerator(name = "model_version_updates_seq", sequenceName = "model_version_updates_seq", allocationSize = 50)
    public Long id;
    @Column(name = "site_id")
    public String siteId;
    @Column(name = "update_sha256")
    public String updateSha256;
    @Column(name = "num_examples")
    public long numExamples;

    public ModelUpdateRecord() {
    }

    public ModelUpdateRecord(String siteId, String updateSha256, long numExamples) {
        this.siteId = siteId;
        this.updateSha256 = updateSha256;
        this.numExamples = numExamples;
    }
}
