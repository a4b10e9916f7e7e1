package org.synthray.coordinator.federation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Example-weighted averages of losses and numeric metrics, as Flower's weighted_loss_avg does. */
final class WeightedMetrics {
    private WeightedMetrics() {
    }

    static EvaluationSummary summarise(List<ClientEvaluation> results) {
        long total = 0;
        double loss = 0;
        for (ClientEvaluation r : results) {
            total += r.numExamples();
            loss += r.loss() * r.numExamples();
        }
        if (total == 0) {
            return EvaluationSummary.NONE;
        }
        Map<String, Double> metrics = average(results.stream().map(r -> Map.entry(r.numExamples(), r.metrics())).toList());
        return new EvaluationSummary(loss / total, total, metrics);
    }

    /** Averages every numeric metric over the entries that report it, weighted by their examples. */
    static Map<String, Double> average(List<Map.Entry<Long, Map<String, Object>>> weightedMetrics) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Map.Entry<Long, Map<String, Object>> e : weightedMetrics) {
            e.getValue().forEach((k, v) -> {
                if (v instanceof Number n && !(v instanceof java.math.BigInteger)) {
                    double[] s = sums.computeIfAbsent(k, x -> new double[2]);
                    s[0] += n.doubleValue() * e.getKey();
                    s[1] += e.getKey();
                }
            });
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[1] > 0 ? s[0] / s[1] : Double.NaN));
        return out;
    }
}
