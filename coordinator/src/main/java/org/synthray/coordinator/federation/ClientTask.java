package org.synthray.coordinator.federation;

import java.util.Map;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/** One instruction a strategy wants sent: to which client, which weights, which config. */
public record ClientTask(String clientId, Weights weights, Map<String, Scalar> config) {
}
