package org.synthray.coordinator.federation;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/**
 * How weights ride in FitIns/EvaluateIns/FitRes: as tensors in {@code Parameters} (Flower's way,
 * always below the size threshold) or, for models larger than one message, as a reference to a blob
 * moved through SynthRay's blob service.
 */
public interface WeightsTransport {

    /** What an instruction carries for a model: its parameters and the config keys to add. */
    record Outgoing(Parameters parameters, Map<String, Scalar> extraConfig) {
    }

    Outgoing outgoing(Weights weights) throws IOException;

    /**
     * The weights of a FitRes.
     *
     * @throws IllegalArgumentException with the reason when they cannot be decoded or fetched
     */
    Weights incoming(ClientMessage.FitRes res, List<String> names) throws IOException;

    /** The SHA-256 identifying the update a FitRes carries (the bytes the site sent). */
    default String updateDigest(ClientMessage.FitRes res) {
        return UpdateRef.digest(res.getParameters());
    }

    /** Tensors in the message, always: what stock Flower peers understand. */
    WeightsTransport INLINE = new WeightsTransport() {
        @Override
        public Outgoing outgoing(Weights weights) {
            return new Outgoing(FlowerTensors.toParameters(weights), Map.of());
        }

        @Override
        public Weights incoming(ClientMessage.FitRes res, List<String> names) {
            return FlowerTensors.toWeights(res.getParameters(), names);
        }
    };
}
