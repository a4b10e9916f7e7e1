package org.synthray.coordinator.federation;

import java.nio.ByteBuffer;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.tensor.Float16;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Checks a FitRes before it may touch the global model: OK status, a positive example count,
 * decodable tensors with exactly the global model's dtypes and shapes, and only finite numbers.
 */
public final class UpdateValidator {
    private UpdateValidator() {
    }

    /**
     * @throws RejectedUpdateException with the reason, for any check that fails
     */
    public static ClientUpdate validate(String clientId, ClientMessage.FitRes res, Weights global) {
        return validate(clientId, res, global, WeightsTransport.INLINE);
    }

    /** As {@link #validate(String, ClientMessage.FitRes, Weights)}, with weights that may come by blob reference. */
    public static ClientUpdate validate(String clientId, ClientMessage.FitRes res, Weights global, WeightsTransport transport) {
        return validate(clientId, res, global, transport, new WeightsTransport.Origin(clientId, java.time.Instant.EPOCH));
    }

    /**
     * As {@link #validate(String, ClientMessage.FitRes, Weights)}, with weights that may come by blob
     * reference from the site and instruction {@code origin} names.
     */
    public static ClientUpdate validate(String clientId, ClientMessage.FitRes res, Weights global, WeightsTransport transport,
                                        WeightsTransport.Origin origin) {
        if (res.getStatus().getCode() != Code.OK) {
            throw new RejectedUpdateException("client reported failure: " + res.getStatus().getCode()
                    + (res.getStatus().getMessage().isEmpty() ? "" : " (" + res.getStatus().getMessage() + ")"));
        }
        if (res.getNumExamples() <= 0) {
            throw new RejectedUpdateException("num_examples must be > 0, got " + res.getNumExamples());
        }
        Weights w;
        try {
            w = transport.incoming(res, global, origin);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new RejectedUpdateException(e.getMessage());
        }
        String incompatible = global.incompatibility(w);
        if (incompatible != null) {
            throw new RejectedUpdateException(incompatible);
        }
        for (int i = 0; i < w.size(); i++) {
            String bad = firstNonFinite(w.get(i));
            if (bad != null) {
                throw new RejectedUpdateException("tensor " + i + " ('" + w.get(i).name() + "') " + bad);
            }
        }
        return new ClientUpdate(clientId, w, res.getNumExamples(),
                Scalars.values(org.synthray.flower.BlobRefs.withoutRef(res.getMetricsMap())));
    }

    /** Null when every element is finite, else where the first NaN or infinity is. */
    static String firstNonFinite(Tensor t) {
        ByteBuffer b = t.data();
        int n = Math.toIntExact(t.elementCount());
        switch (t.dtype()) {
            case FLOAT32 -> {
                // Bulk copies into a small array keep the check a tight loop the JIT can vectorise.
                java.nio.FloatBuffer fb = b.asFloatBuffer();
                float[] chunk = new float[Math.min(n, 16_384)];
                for (int base = 0; base < n; base += chunk.length) {
                    int len = Math.min(chunk.length, n - base);
                    fb.get(base, chunk, 0, len);
                    float acc = 0;
                    for (int i = 0; i < len; i++) {
                        acc += chunk[i] * 0f; // NaN or infinity makes the product NaN
                    }
                    if (acc != 0f) {
                        for (int i = 0; i < len; i++) {
                            if (!Float.isFinite(chunk[i])) {
                                return "has " + chunk[i] + " at element " + (base + i);
                            }
                        }
                    }
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    double v = b.getDouble(i * 8);
                    if (!Double.isFinite(v)) {
                        return "has " + v + " at element " + i;
                    }
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    float v = Float16.toFloat(b.getShort(i * 2));
                    if (!Float.isFinite(v)) {
                        return "has " + v + " at element " + i;
                    }
                }
            }
            default -> {
                // integer and boolean tensors are always finite
            }
        }
        return null;
    }

    /** Why an update was not aggregated. */
    public static final class RejectedUpdateException extends RuntimeException {
        public RejectedUpdateException(String reason) {
            super(reason);
        }
    }
}
