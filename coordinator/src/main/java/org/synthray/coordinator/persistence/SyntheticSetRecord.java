package org.synthray.coordinator.persistence;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * A synthetic set a site published: uploading → uploaded → in review → released | rejected. Its
 * files (images, manifest, set.json) are blobs named by their SHA-256; this row names the manifest
 * and keeps what lists, filters and datasheets need.
 */
@Entity
@Table(name = "synthetic_sets")
public class SyntheticSetRecord extends PanacheEntityBase {
    public enum State {
        /** Declared; files still arriving. Never visible to researchers. */
        UPLOADING,
        /** Every file is stored and verified; awaits an admin. */
        UPLOADED,
        IN_REVIEW,
        RELEASED,
        REJECTED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Id
    public String id;
    @Column(name = "site_id")
    public String siteId;
    @Enumerated(EnumType.STRING)
    public State state;
    @Column(name = "model_sha256")
    public String modelSha256;
    @Column(name = "model_source")
    public String modelSource;
    @Column(name = "manifest_head")
    public String manifestHead;
    @Column(name = "manifest_sha256")
    public String manifestSha256;
    @Column(name = "manifest_size")
    public long manifestSize;
    @Column(name = "set_json_sha256")
    public String setJsonSha256;
    /** set.json as the site sent it. */
    @Column(name = "set_json")
    public String setJson;
    /** The prompts, a JSON array. */
    public String prompts;
    /** The prompts in lower case, one per line, for text filters. */
    @Column(name = "prompts_search")
    public String promptsSearch;
    public int images;
    @Column(name = "dicom_images")
    public int dicomImages;
    @Column(name = "guard_rejected")
    public int guardRejected;
    @Column(name = "total_bytes")
    public long totalBytes;
    public String sampler;
    public int steps;
    public double guidance;
    /** When the site generated the set (set.json createdAt). */
    @Column(name = "generated_at")
    public String generatedAt;
    public String licence;
    @Column(name = "intended_use")
    public String intendedUse;
    /** Why an admin released or rejected it. */
    @Column(name = "decision_reason")
    public String decisionReason;
    @Column(name = "decided_by")
    public String decidedBy;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "uploaded_at")
    public OffsetDateTime uploadedAt;
    @Column(name = "review_started_at")
    public OffsetDateTime reviewStartedAt;
    @Column(name = "decided_at")
    public OffsetDateTime decidedAt;
}
