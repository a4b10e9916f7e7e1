package org.synthray.coordinator.federation;

import java.io.IOException;
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

    /** Who sent a reply and when they were asked: a reply may only use what that site sent since. */
    record Origin(String siteId, java.time.Instant askedAt) {
    }

    /**
     * The weights of a FitRes, checked against {@code global}'s dtypes and shapes before any of
     * their data is read (a declared size never becomes an allocation unchecked).
     *
     * @throws IllegalArgumentException with the reason when they cannot be decoded or fetched, or
     *                                  refer to a blob {@code origin}'s site may not use
     */
    Weights incoming(ClientMessage.FitRes res, Weights global, Origin origin) throws IOException;

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
        public Weights incoming(ClientMessage.FitRes res, Weights global, Origin origin) {
            return FlowerTensors.toWeights(res.getParameters(), global.names());
        }
    };
}
