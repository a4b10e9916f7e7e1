package org.synthray.coordinator.security;

import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.List;
import org.synthray.coordinator.persistence.ParticipationRecord;
import org.synthray.coordinator.persistence.SyntheticSetRecord;

/**
 * What a site has done in the consortium: the runs it joined, each of its updates (accepted, rejected
 * or failed, with the reason) and the sets it published. Newest first, bounded.
 */
@ApplicationScoped
public class SiteHistory {
    /** At most this many participations are returned; the ledger has the rest. */
    public static final int MAX_PARTICIPATIONS = 200;

    public record Participation(String run, int round, String phase, String outcome, String reason, Long numExamples,
                                Double loss, OffsetDateTime at) {
    }

    public record PublishedSet(String id, String state, int images, OffsetDateTime uploadedAt) {
    }

    public record History(String site, List<String> runs, long accepted, long rejected, long failed,
                          List<Participation> participations, List<PublishedSet> sets) {
    }

    @Transactional
    public History of(String site) {
        List<String> runs = ParticipationRecord.getEntityManager()
                .createQuery("select distinct p.runId from ParticipationRecord p where p.siteId = :s order by p.runId", String.class)
                .setParameter("s", site).getResultList();
        long accepted = ParticipationRecord.count("siteId = ?1 and phase = 'FIT' and outcome = 'ACCEPTED'", site);
        long rejected = ParticipationRecord.count("siteId = ?1 and outcome = 'REJECTED'", site);
        long failed = ParticipationRecord.count("siteId = ?1 and outcome = 'FAILED'", site);
        List<Participation> parts = ParticipationRecord.<ParticipationRecord>find("siteId", Sort.descending("id"), site)
                .page(0, MAX_PARTICIPATIONS).list().stream()
                .map(p -> new Participation(p.runId, p.roundNumber, p.phase, p.outcome, p.reason, p.numExamples, p.loss, p.recordedAt))
                .toList();
        List<PublishedSet> sets = SyntheticSetRecord.<SyntheticSetRecord>find("siteId", Sort.descending("createdAt"), site)
                .list().stream().map(s -> new PublishedSet(s.id, s.state.wire(), s.images, s.uploadedAt)).toList();
        return new History(site, runs, accepted, rejected, failed, parts, sets);
    }
}
