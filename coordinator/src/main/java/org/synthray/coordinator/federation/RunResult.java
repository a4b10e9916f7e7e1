package org.synthray.coordinator.federation;

import java.util.List;
import org.synthray.tensor.Weights;

/** The end of a run: completed with a final model, failed with the reason, or cancelled. */
public record RunResult(Status status, String reason, List<RoundSummary> rounds, Weights finalWeights) {
    public enum Status { COMPLETED, FAILED, CANCELLED }
}
