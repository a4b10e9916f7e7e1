package org.synthray.coordinator.security;

import java.time.OffsetDateTime;
import org.synthray.coordinator.persistence.SiteRecord;

/** A site as the REST API and the console show it: its status and the last decision on it. */
public record SiteView(String id, String status, String firstSubject, OffsetDateTime enrolledAt,
                       OffsetDateTime decidedAt, String decidedBy, String reason) {
    static SiteView of(SiteRecord s) {
        return new SiteView(s.siteId, s.status.name(), s.firstSubject, s.enrolledAt, s.decidedAt, s.decidedBy, s.reason);
    }
}
