package org.synthray.coordinator.federation;

import java.util.Map;

/** An EvaluateRes with OK status. */
public record ClientEvaluation(String clientId, double loss, long numExamples, Map<String, Object> metrics) {
}
