package org.synthray.flower;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.flower.proto.Status;
import org.synthray.tensor.Npy;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * SynthRay's convention for models too large for a Flower message: a <em>blob reference</em>.
 *
 * <p>When a model's encoded size (what {@link FlowerTensors#toParameters} would put in
 * {@code Parameters}) exceeds a threshold, the instruction or reply carries
 * <ul>
 *   <li>empty {@code Parameters} with {@code tensor_type = "synthray.blob"} ({@link #TENSOR_TYPE}),</li>
 *   <li>{@code synthray.blob.sha256} (string, 64 lowercase hex digits) and {@code synthray.blob.size}
 *       (sint64, bytes) in its config map (FitIns, EvaluateIns) or metrics map (FitRes),</li>
 * </ul>
 * and the model itself, an {@code .npz} ({@link org.synthray.blob.WeightsBlobs}), moves through
 * SynthRay's blob service under that SHA-256. Below the threshold nothing changes: tensors travel
 * in {@code Parameters} as stock Flower sends them, so stock Flower clients keep working.
 */
public final class BlobRefs {
    /** {@code Parameters.tensor_type} of a reference. */
    public static final String TENSOR_TYPE = "synthray.blob";
    /** Config/metrics key holding the blob's SHA-256 (string). */
    public static final String SHA256_KEY = "synthray.blob.sha256";
    /** Config/metrics key holding the blob's size in bytes (sint64). */
    public static final String SIZE_KEY = "synthray.blob.size";
    /** A default threshold: models whose parameters exceed 512 MiB go by blob. */
    public static final long DEFAULT_THRESHOLD_BYTES = 512L << 20;

    private BlobRefs() {
    }

    /** Bytes the weights take as Flower {@code Parameters} tensors (one {@code .npy} each). */
    public static long encodedSize(Weights weights) {
        long n = 0;
        for (Tensor t : weights) {
            n += Npy.encodedSize(t);
        }
        return n;
    }

    /** True when {@code weights} must travel by blob: their encoded size is above the threshold. */
    public static boolean exceedsThreshold(Weights weights, long thresholdBytes) {
        return encodedSize(weights) > thresholdBytes;
    }

    /** The {@code Parameters} a reference carries: no tensors, {@code tensor_type = "synthray.blob"}. */
    public static Parameters referenceParameters() {
        return Parameters.newBuilder().setTensorType(TENSOR_TYPE).build();
    }

    /** True when {@code parameters} stand for a blob (their tensor type is {@link #TENSOR_TYPE}). */
    public static boolean isReference(Parameters parameters) {
        return parameters != null && TENSOR_TYPE.equals(parameters.getTensorType());
    }

    /** A copy of {@code values} (config or metrics) with the reference keys set. */
    public static Map<String, Scalar> withRef(Map<String, Scalar> values, BlobRef ref) {
        Map<String, Scalar> out = new LinkedHashMap<>(values);
        out.put(SHA256_KEY, Scalar.newBuilder().setString(ref.sha256()).build());
        out.put(SIZE_KEY, Scalar.newBuilder().setSint64(ref.size()).build());
        return out;
    }

    /** A copy of {@code values} without the reference keys (before metrics are aggregated or shown). */
    public static Map<String, Scalar> withoutRef(Map<String, Scalar> values) {
        Map<String, Scalar> out = new LinkedHashMap<>(values);
        out.remove(SHA256_KEY);
        out.remove(SIZE_KEY);
        return out;
    }

    /**
     * The blob a message refers to.
     *
     * @param values the message's config (instructions) or metrics (replies)
     * @return empty when {@code parameters} are ordinary tensors
     * @throws IllegalArgumentException when the parameters are a reference but the reference is not
     *                                  valid: tensors present, a key missing or of the wrong type,
     *                                  a malformed hash or a negative size
     */
    public static Optional<BlobRef> find(Parameters parameters, Map<String, Scalar> values) {
        if (!isReference(parameters)) {
            return Optional.empty();
        }
        if (parameters.getTensorsCount() != 0) {
            throw new IllegalArgumentException("blob reference carries " + parameters.getTensorsCount()
                    + " tensors; a reference carries none");
        }
        Scalar sha = values.get(SHA256_KEY);
        Scalar size = values.get(SIZE_KEY);
        if (sha == null || size == null) {
            throw new IllegalArgumentException("blob reference lacks " + (sha == null ? SHA256_KEY : SIZE_KEY));
        }
        if (sha.getScalarCase() != Scalar.ScalarCase.STRING) {
            throw new IllegalArgumentException(SHA256_KEY + " is " + sha.getScalarCase() + ", expected a string");
        }
        if (!Sha256.isValid(sha.getString())) {
            throw new IllegalArgumentException(SHA256_KEY + " is not 64 lowercase hex digits: "
                    + Sha256.describe(sha.getString()));
        }
        long n = switch (size.getScalarCase()) {
            case SINT64 -> size.getSint64();
            case UINT64 -> size.getUint64() < 0 ? -1 : size.getUint64();
            default -> throw new IllegalArgumentException(SIZE_KEY + " is " + size.getScalarCase()
                    + ", expected an integer");
        };
        if (n < 0) {
            throw new IllegalArgumentException(SIZE_KEY + " must be >= 0, got " + n);
        }
        return Optional.of(new BlobRef(sha.getString(), n));
    }

    /** FitIns pointing at a blob, with the server's {@code config} plus the reference keys. */
    public static ServerMessage.FitIns fitIns(BlobRef ref, Map<String, Scalar> config) {
        return ServerMessage.FitIns.newBuilder().setParameters(referenceParameters())
                .putAllConfig(withRef(config, ref)).build();
    }

    /** EvaluateIns pointing at a blob. */
    public static ServerMessage.EvaluateIns evaluateIns(BlobRef ref, Map<String, Scalar> config) {
        return ServerMessage.EvaluateIns.newBuilder().setParameters(referenceParameters())
                .putAllConfig(withRef(config, ref)).build();
    }

    /** An OK FitRes whose updated weights are the blob {@code ref}. */
    public static ClientMessage.FitRes fitRes(BlobRef ref, long numExamples, Map<String, Scalar> metrics) {
        return ClientMessage.FitRes.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.OK).setMessage("Success"))
                .setParameters(referenceParameters())
                .setNumExamples(numExamples)
                .putAllMetrics(withRef(metrics, ref)).build();
    }

    /** The blob a FitIns refers to; empty when it carries tensors. */
    public static Optional<BlobRef> find(ServerMessage.FitIns ins) {
        return find(ins.getParameters(), ins.getConfigMap());
    }

    /** The blob an EvaluateIns refers to; empty when it carries tensors. */
    public static Optional<BlobRef> find(ServerMessage.EvaluateIns ins) {
        return find(ins.getParameters(), ins.getConfigMap());
    }

    /** The blob a FitRes refers to; empty when it carries tensors. */
    public static Optional<BlobRef> find(ClientMessage.FitRes res) {
        return find(res.getParameters(), res.getMetricsMap());
    }
}
