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
 * A site of the consortium, named by the {@code site_id} claim of its tokens. A site the coordinator
 * has not seen before starts {@code PENDING}; only an admin makes it {@code APPROVED} or {@code REVOKED}.
 */
@Entity
@Table(name = "sites")
public class SiteRecord extends PanacheEntityBase {
    public enum Status { PENDING, APPROVED, REVOKED }

    @Id
    @Column(name = "site_id")
    public String siteId;
    @Enumerated(EnumType.STRING)
    public Status status;
    /** The token subject (Keycloak service account) the site first called with. */
    @Column(name = "first_subject")
    public String firstSubject;
    @Column(name = "enrolled_at")
    public OffsetDateTime enrolledAt;
    @Column(name = "decided_at")
    public OffsetDateTime decidedAt;
    /** The admin who approved or revoked it. */
    @Column(name = "decided_by")
    public String decidedBy;
    public String reason;
}
