package org.synthray.agent.flower;

import java.util.Map;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/**
 * What a site contributes to a federated run: the local model's training and evaluation on the
 * site's own data. The Flower client turns server instructions into calls of
 * this interface; weights travel as {@link Weights} in the model's own tensor order, so an
 * implementation never sees protobuf or {@code .npy}.
 *
 * <p>Implementations must not put patient data into metrics or properties: only numbers about the
 * training, never identifiers, file names or report text.
 */
public interface LocalTrainer {

    /** The weights this site starts from (Flower's GetParametersIns, sent when the server has none). */
    Weights initialWeights();

    /** Names of the tensors, in wire order: used to name the tensors of incoming Parameters. */
    default java.util.List<String> tensorNames() {
        return initialWeights().names();
    }

    /**
     * Trains locally starting from {@code global} with the server's config (learning rate, local
     * epochs or steps, proximal coefficient, ...).
     */
    FitResult fit(Weights global, Map<String, Scalar> config) throws Exception;

    /** Evaluates {@code global} on the site's validation data. */
    EvaluateResult evaluate(Weights global, Map<String, Scalar> config) throws Exception;

    /**
     * Site properties for GetPropertiesIns, or {@code null} when the trainer has none: the client then
     * answers {@code GET_PROPERTIES_NOT_IMPLEMENTED} exactly as a stock Flower NumPyClient does.
     */
    default Map<String, Object> properties(Map<String, Scalar> config) {
        return null;
    }

    /** Result of local training. Metrics values: Double, Long, Boolean, String or byte[]. */
    record FitResult(Weights weights, long numExamples, Map<String, Object> metrics) {
    }

    /** Result of local evaluation. */
    record EvaluateResult(double loss, long numExamples, Map<String, Object> metrics) {
    }
}
