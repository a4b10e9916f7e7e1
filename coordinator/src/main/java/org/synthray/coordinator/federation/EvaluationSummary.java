package org.synthray.coordinator.federation;

import java.util.Map;

/** A round's evaluation: loss and numeric metrics averaged over clients, weighted by their examples. */
public record EvaluationSummary(double loss, long numExamples, Map<String, Double> metrics) {
    public static final EvaluationSummary NONE = new EvaluationSummary(Double.NaN, 0, Map.of());
}
