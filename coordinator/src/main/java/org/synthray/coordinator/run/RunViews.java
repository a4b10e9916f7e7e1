package org.synthray.coordinator.run;

import java.time.OffsetDateTime;
import java.util.List;
import org.synthray.coordinator.persistence.ParticipationRecord;
import org.synthray.coordinator.persistence.RoundRecord;
import org.synthray.coordinator.persistence.RunRecord;

/** Runs as the REST API and the console show them ({@link RunService} builds them). */
public final class RunViews {
    private RunViews() {
    }

    public record RunView(String id, String name, String state, String strategy, int rounds, int lastCompletedRound,
                          String globalModel, String failureReason, OffsetDateTime createdAt, OffsetDateTime startedAt,
                          OffsetDateTime finishedAt) {
        public static RunView of(RunRecord r) {
            return new RunView(r.id, r.name, r.state.name(), r.strategy, r.roundsTotal, r.lastCompletedRound,
                    r.globalModelSha256, r.failureReason, r.createdAt, r.startedAt, r.finishedAt);
        }
    }

    public record RoundView(int round, int attempt, String outcome, int asked, int answered, int rejected, int failed,
                            Double trainLoss, Double evalLoss, long bytesIn, long bytesOut, long durationMs, String model) {
        static RoundView of(RoundRecord r) {
            return new RoundView(r.roundNumber, r.attempt, r.outcome, r.sitesAsked, r.sitesAnswered, r.sitesRejected,
                    r.sitesFailed, r.trainLoss, r.evalLoss, r.bytesIn, r.bytesOut, r.durationMs, r.modelSha256);
        }
    }

    /** A run, its spec and every round attempt. */
    public record RunDetail(RunView run, String spec, List<RoundView> rounds) {
    }

    public record ParticipationView(String site, String phase, String outcome, String reason, Long numExamples,
                                    Double loss, String updateSha256) {
        static ParticipationView of(ParticipationRecord p) {
            return new ParticipationView(p.siteId, p.phase, p.outcome, p.reason, p.numExamples, p.loss, p.updateSha256);
        }
    }

    public record UpdateView(String site, String updateSha256, long numExamples) {
    }

    /** One round: what each site did, and the model version it made from which updates. */
    public record RoundDetail(int round, List<ParticipationView> sites, String model, String parentModel,
                              List<UpdateView> updates) {
    }
}
