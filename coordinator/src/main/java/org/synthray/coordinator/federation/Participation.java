package org.synthray.coordinator.federation;

import java.util.Map;

/** What one site did in one phase of a round. */
public record Participation(String siteId, Phase phase, Outcome outcome, String reason, long numExamples,
                            Double loss, Map<String, Object> metrics, String updateSha256) {
    public enum Phase { FIT, EVALUATE }

    /** ACCEPTED: used; REJECTED: answered but refused (reason); FAILED: no usable answer (reason); LATE: after the round gave up. */
    public enum Outcome { ACCEPTED, REJECTED, FAILED, LATE }

    static Participation failed(String site, Phase phase, String reason) {
        return new Participation(site, phase, Outcome.FAILED, reason, 0, null, Map.of(), null);
    }

    static Participation rejected(String site, Phase phase, String reason) {
        return new Participation(site, phase, Outcome.REJECTED, reason, 0, null, Map.of(), null);
    }

    @Override
    public String toString() {
        return siteId + (phase == Phase.EVALUATE ? " (evaluate)" : "") + ": " + (reason != null ? reason : outcome);
    }
}
