package org.synthray.coordinator.federation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * What happened in one round: who was asked, who delivered a valid update, who was rejected or
 * failed and why, the losses, the traffic and the new model's hash.
 */
public record RoundSummary(int round, int rounds, int asked, int answered, List<String> rejected, List<String> failed,
                           Map<String, Double> fitMetrics, EvaluationSummary evaluation, long bytesOut, long bytesIn,
                           Duration duration, String modelSha256) {

    /** One log line with everything an operator scans for. */
    public String logLine(String runName) {
        StringBuilder sb = new StringBuilder();
        sb.append("run=").append(runName).append(" round=").append(round).append('/').append(rounds)
                .append(" asked=").append(asked).append(" answered=").append(answered)
                .append(" rejected=").append(rejected.size()).append(" failed=").append(failed.size());
        Double trainLoss = fitMetrics.get("train_loss");
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
                .append(" model=").append(modelSha256, 0, 12);
        for (String r : rejected) {
            sb.append("\n  rejected ").append(r);
        }
        for (String f : failed) {
            sb.append("\n  failed ").append(f);
        }
        return sb.toString();
    }
}
