package org.synthray.flower;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.synthray.flower.proto.Parameters;
import org.synthray.tensor.Npy;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Converts between {@link Weights} and Flower {@code Parameters}: one {@code .npy} file per tensor,
 * {@code tensor_type = "numpy.ndarray"}, exactly as Flower's {@code ndarrays_to_parameters} does.
 * Flower carries no names, so names come from the model that reads the parameters.
 */
public final class FlowerTensors {
    /** The tag Python Flower puts on {@code .npy}-encoded parameters. */
    public static final String NUMPY_TENSOR_TYPE = "numpy.ndarray";

    private FlowerTensors() {
    }

    public static Parameters toParameters(Weights weights) {
        Parameters.Builder p = Parameters.newBuilder().setTensorType(NUMPY_TENSOR_TYPE);
        for (Tensor t : weights) {
            p.addTensors(ByteString.copyFrom(Npy.write(t)));
        }
        return p.build();
    }

    /**
     * Decodes parameters, naming the tensors from {@code names} (in order), or {@code t0, t1, ...}
     * when {@code names} is null. C-ordered tensors share the message's bytes (a {@code ByteString}
     * is immutable), so decoding copies nothing.
     *
     * @throws IllegalArgumentException with the reason: another tensor type, a count that does not
     *                                  match the names, or an invalid {@code .npy} (naming its index)
     */
    public static Weights toWeights(Parameters parameters, List<String> names) {
        String type = parameters.getTensorType();
        if (!type.equals(NUMPY_TENSOR_TYPE)) {
            throw new IllegalArgumentException("unsupported tensor_type '" + type + "' (expected '"
                    + NUMPY_TENSOR_TYPE + "')");
        }
        int n = parameters.getTensorsCount();
        if (names != null && names.size() != n) {
            throw new IllegalArgumentException("expected " + names.size() + " tensors, got " + n);
        }
        List<Tensor> tensors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = names != null ? names.get(i) : "t" + i;
            try {
                tensors.add(Npy.view(parameters.getTensors(i).asReadOnlyByteBuffer(), name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tensor " + i + " ('" + name + "'): " + e.getMessage(), e);
            }
        }
        return new Weights(tensors);
    }
}
