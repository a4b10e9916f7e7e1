package org.synthray.coordinator.flower;

import java.util.Map;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;

/**
 * The server messages the coordinator sends, built exactly as a stock Flower 1.23 server builds
 * them (the golden captures pin the bytes: an empty config is absent, {@code ReconnectIns(0)} leaves
 * {@code seconds} unset).
 */
public final class Instructions {
    private Instructions() {
    }

    public static ServerMessage fit(Parameters parameters, Map<String, Scalar> config) {
        return ServerMessage.newBuilder().setFitIns(ServerMessage.FitIns.newBuilder()
                .setParameters(parameters).putAllConfig(config)).build();
    }

    public static ServerMessage evaluate(Parameters parameters, Map<String, Scalar> config) {
        return ServerMessage.newBuilder().setEvaluateIns(ServerMessage.EvaluateIns.newBuilder()
                .setParameters(parameters).putAllConfig(config)).build();
    }

    public static ServerMessage getParameters() {
        return ServerMessage.newBuilder().setGetParametersIns(ServerMessage.GetParametersIns.getDefaultInstance()).build();
    }

    public static ServerMessage reconnect(long seconds) {
        return ServerMessage.newBuilder().setReconnectIns(ServerMessage.ReconnectIns.newBuilder().setSeconds(seconds)).build();
    }
}
