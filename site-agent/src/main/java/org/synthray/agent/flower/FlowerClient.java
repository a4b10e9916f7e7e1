package org.synthray.agent.flower;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.synthray.blob.BlobRef;
import org.synthray.flower.BlobRefs;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.Reason;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.flower.proto.Status;
import org.synthray.tensor.Weights;

/**
 * Answers Flower server instructions the way a stock Flower 1.23 {@code NumPyClient} does, with a
 * {@link LocalTrainer} doing the work. Pure message in, message out: the transport lives in
 * {@link FlowerConnection}.
 *
 * <p>A stock client crashes when its training code throws; a hospital's agent should stay in the
 * federation instead. A failed fit or evaluate is therefore answered with a non-OK status (Flower's
 * only error codes are the NOT_IMPLEMENTED ones), which Flower servers and SynthRay's coordinator
 * both record as a failure for this round only.
 */
public final class FlowerClient {
    private static final Logger LOG = Logger.getLogger(FlowerClient.class.getName());
    /** Flower's status message on success. */
    static final String SUCCESS = "Success";

    private final LocalTrainer trainer;
    private final RemoteWeights remote;

    public FlowerClient(LocalTrainer trainer) {
        this(trainer, null);
    }

    /**
     * @param remote how to fetch and publish models sent by blob reference (SynthRay coordinators
     *               do so above a size threshold), or null when this site only takes inline tensors
     */
    public FlowerClient(LocalTrainer trainer, RemoteWeights remote) {
        this.trainer = trainer;
        this.remote = remote;
    }

    /**
     * The reply to one instruction. For {@code ReconnectIns} it is the {@code DisconnectRes} a stock
     * client builds (reason RECONNECT, whatever the seconds).
     *
     * @throws UnknownInstructionException when the message carries no instruction this client knows
     */
    public ClientMessage handle(ServerMessage message) {
        return switch (message.getMsgCase()) {
            case RECONNECT_INS -> ClientMessage.newBuilder()
                    .setDisconnectRes(ClientMessage.DisconnectRes.newBuilder().setReason(Reason.RECONNECT))
                    .build();
            case GET_PROPERTIES_INS -> getProperties(message.getGetPropertiesIns());
            case GET_PARAMETERS_INS -> getParameters();
            case FIT_INS -> fit(message.getFitIns());
            case EVALUATE_INS -> evaluate(message.getEvaluateIns());
            case MSG_NOT_SET -> throw new UnknownInstructionException(
                    "server message carries no known instruction (unknown fields: "
                            + message.getUnknownFields().asMap().keySet() + ")");
        };
    }

    private ClientMessage getProperties(ServerMessage.GetPropertiesIns ins) {
        Map<String, Object> props = trainer.properties(ins.getConfigMap());
        ClientMessage.GetPropertiesRes.Builder res = ClientMessage.GetPropertiesRes.newBuilder();
        if (props == null) {
            res.setStatus(status(Code.GET_PROPERTIES_NOT_IMPLEMENTED, "Client does not implement `get_properties`"));
        } else {
            res.setStatus(status(Code.OK, SUCCESS)).putAllProperties(Scalars.map(props));
        }
        return ClientMessage.newBuilder().setGetPropertiesRes(res).build();
    }

    private ClientMessage getParameters() {
        Weights w = trainer.initialWeights();
        return ClientMessage.newBuilder().setGetParametersRes(ClientMessage.GetParametersRes.newBuilder()
                .setStatus(status(Code.OK, SUCCESS))
                .setParameters(FlowerTensors.toParameters(w))).build();
    }

    private ClientMessage fit(ServerMessage.FitIns ins) {
        ClientMessage.FitRes.Builder res = ClientMessage.FitRes.newBuilder();
        try {
            Optional<BlobRef> ref = BlobRefs.find(ins);
            Weights global = weightsOf(ins.getParameters(), ref);
            LocalTrainer.FitResult r = trainer.fit(global, BlobRefs.withoutRef(ins.getConfigMap()));
            if (ref.isPresent()) {
                // Sent by reference, answered by reference: the update is as large as the model.
                return ClientMessage.newBuilder().setFitRes(BlobRefs.fitRes(remote.publish(r.weights()), r.numExamples(),
                        Scalars.map(r.metrics()))).build();
            }
            res.setStatus(status(Code.OK, SUCCESS))
                    .setParameters(FlowerTensors.toParameters(r.weights()))
                    .setNumExamples(r.numExamples())
                    .putAllMetrics(Scalars.map(r.metrics()));
        } catch (Exception e) {
            LOG.warning("fit failed, reporting the failure to the server: " + e.getMessage());
            LOG.log(Level.FINE, "fit failure", e);
            res.setStatus(status(Code.FIT_NOT_IMPLEMENTED, "fit failed: " + e.getMessage()));
        }
        return ClientMessage.newBuilder().setFitRes(res).build();
    }

    private ClientMessage evaluate(ServerMessage.EvaluateIns ins) {
        ClientMessage.EvaluateRes.Builder res = ClientMessage.EvaluateRes.newBuilder();
        try {
            Weights global = weightsOf(ins.getParameters(), BlobRefs.find(ins));
            LocalTrainer.EvaluateResult r = trainer.evaluate(global, BlobRefs.withoutRef(ins.getConfigMap()));
            res.setStatus(status(Code.OK, SUCCESS))
                    .setLoss((float) r.loss())
                    .setNumExamples(r.numExamples())
                    .putAllMetrics(Scalars.map(r.metrics()));
        } catch (Exception e) {
            LOG.warning("evaluate failed, reporting the failure to the server: " + e.getMessage());
            LOG.log(Level.FINE, "evaluate failure", e);
            res.setStatus(status(Code.EVALUATE_NOT_IMPLEMENTED, "evaluate failed: " + e.getMessage()));
        }
        return ClientMessage.newBuilder().setEvaluateRes(res).build();
    }

    private Weights weightsOf(org.synthray.flower.proto.Parameters parameters, Optional<BlobRef> ref) throws IOException {
        if (ref.isEmpty()) {
            return FlowerTensors.toWeights(parameters, trainer.tensorNames());
        }
        if (remote == null) {
            throw new IllegalStateException("the server sent the model by blob reference, but this agent has no blob transfer");
        }
        return remote.fetch(ref.get(), trainer.tensorNames());
    }

    private static Status status(Code code, String message) {
        return Status.newBuilder().setCode(code).setMessage(message).build();
    }

    /** A server message this client cannot answer. */
    public static final class UnknownInstructionException extends RuntimeException {
        public UnknownInstructionException(String message) {
            super(message);
        }
    }
}
