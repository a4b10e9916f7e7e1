package org.synthray.coordinator.federation;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.synthray.flower.Keys;

/**
 * What happened in one attempt at a round: who was asked, what each site did and why, the losses,
 * the traffic and the new model's hash (null when the round failed).
 */
public record RoundSummary(String runId, int round, int rounds, int attempt, int asked, int answered,
                           List<Participation> participations, Map<String, Double> fitMetrics,
                           EvaluationSummary evaluation, long bytesOut, long bytesIn, Duration duration,
                           String modelSha256) {

    public boolean completed() {
        return modelSha256 != null;
    }

    /** Refused replies, each as {@code site: reason}. */
    public List<String> rejected() {
        return participations.stream().filter(p -> p.outcome() == Participation.Outcome.REJECTED).map(Participation::toString).toList();
    }

    /** Sites that gave no usable reply, each as {@code site: reason}. */
    public List<String> failed() {
        return participations.stream().filter(p -> p.outcome() == Participation.Outcome.FAILED).map(Participation::toString).toList();
    }

    /** One log line with everything an operator scans for, then one line per refused or failed site. */
    public String logLine() {
        StringBuilder sb = new StringBuilder();
        sb.append("run=").append(runId).append(" round=").append(round).append('/').append(rounds);
        if (attempt > 1) {
            sb.append(" attempt=").append(attempt);
        }
        sb.append(" asked=").append(asked).append(" answered=").append(answered)
                .append(" rejected=").append(rejected().size()).append(" failed=").append(failed().size());
        Double trainLoss = fitMetrics.get(Keys.TRAIN_LOSS);
        if (trainLoss != null) {
            sb.append(String.format(Locale.ROOT, " train_loss=%.5f", trainLoss));
        }
        if (evaluation.numExamples() > 0) {
            sb.append(String.format(Locale.ROOT, " eval_loss=%.5f", evaluation.loss()));
        }
        Double epsilon = fitMetrics.get("dp_epsilon");
        if (epsilon != null) {
            sb.append(String.format(Locale.ROOT, " epsilon=%.3f", epsilon));
        }
        sb.append(" bytes_out=").append(bytesOut).append(" bytes_in=").append(bytesIn)
                .append(" duration_ms=").append(duration.toMillis())
                .append(completed() ? " model=" + modelSha256.substring(0, 12) : " FAILED");
        for (String r : rejected()) {
            sb.append("\n  rejected ").append(r);
        }
        for (String f : failed()) {
            sb.append("\n  failed ").append(f);
        }
        return sb.toString();
    }
}
