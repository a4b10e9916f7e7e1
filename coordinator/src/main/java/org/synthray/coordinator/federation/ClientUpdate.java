package org.synthray.coordinator.federation;

import java.util.Map;
import org.synthray.tensor.Weights;

/** A validated FitRes: the client's new weights, how many examples produced them, its metrics. */
public record ClientUpdate(String clientId, Weights weights, long numExamples, Map<String, Object> metrics) {
}
