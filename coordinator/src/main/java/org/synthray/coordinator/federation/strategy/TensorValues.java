package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.synthray.tensor.DType;
import org.synthray.tensor.Float16;
import org.synthray.tensor.Tensor;

/**
 * Reading tensor elements into float or double chunks and writing aggregated values back in a
 * tensor's own dtype. Aggregates of integer tensors are rounded to the nearest integer (ties to
 * even, as numpy's {@code rint}) and saturated to the dtype's range; booleans are true when the
 * aggregate is at least 0.5.
 */
final class TensorValues {
    /** Elements per bulk copy: 16 KiB of float32 stays in the L1 cache next to the accumulator. */
    static final int CHUNK = 4096;

    private TensorValues() {
    }

    static ByteBuffer allocate(Tensor like) {
        return ByteBuffer.allocate(like.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Elements {@code [from, from + len)} of {@code data} (a tensor's little-endian bytes) as doubles. */
    static void read(ByteBuffer data, DType dtype, int from, double[] out, int len) {
        switch (dtype) {
            case FLOAT64 -> data.asDoubleBuffer().get(from, out, 0, len);
            case FLOAT32 -> {
                for (int j = 0; j < len; j++) {
                    out[j] = data.getFloat((from + j) << 2);
                }
            }
            case FLOAT16 -> {
                for (int j = 0; j < len; j++) {
                    out[j] = Float16.toFloat(data.getShort((from + j) << 1));
                }
            }
            case INT64 -> {
                for (int j = 0; j < len; j++) {
                    out[j] = data.getLong((from + j) << 3);
                }
            }
            case INT32 -> {
                for (int j = 0; j < len; j++) {
                    out[j] = data.getInt((from + j) << 2);
                }
            }
            case UINT8 -> {
                for (int j = 0; j < len; j++) {
                    out[j] = data.get(from + j) & 0xff;
                }
            }
            case BOOL -> {
                for (int j = 0; j < len; j++) {
                    out[j] = data.get(from + j) != 0 ? 1 : 0;
                }
            }
        }
    }

    /** Elements {@code [from, from + len)} as floats; exact for float32 and float16. */
    static void read(ByteBuffer data, DType dtype, int from, float[] out, int len) {
        switch (dtype) {
            case FLOAT32 -> data.asFloatBuffer().get(from, out, 0, len);
            case FLOAT16 -> {
                for (int j = 0; j < len; j++) {
                    out[j] = Float16.toFloat(data.getShort((from + j) << 1));
                }
            }
            default -> {
                for (int j = 0; j < len; j++) {
                    out[j] = (float) readOne(data, dtype, from + j);
                }
            }
        }
    }

    static double readOne(ByteBuffer data, DType dtype, int index) {
        return switch (dtype) {
            case FLOAT32 -> data.getFloat(index << 2);
            case FLOAT64 -> data.getDouble(index << 3);
            case FLOAT16 -> Float16.toFloat(data.getShort(index << 1));
            case INT64 -> data.getLong(index << 3);
            case INT32 -> data.getInt(index << 2);
            case UINT8 -> data.get(index) & 0xff;
            case BOOL -> data.get(index) != 0 ? 1 : 0;
        };
    }

    /** Writes {@code values[0, len)} as elements {@code [from, from + len)} of {@code out}, in {@code dtype}. */
    static void write(ByteBuffer out, DType dtype, int from, double[] values, int len) {
        for (int j = 0; j < len; j++) {
            writeOne(out, dtype, from + j, values[j]);
        }
    }

    static void write(ByteBuffer out, DType dtype, int from, float[] values, int len) {
        if (dtype == DType.FLOAT32) {
            out.asFloatBuffer().put(from, values, 0, len);
            return;
        }
        for (int j = 0; j < len; j++) {
            writeOne(out, dtype, from + j, values[j]);
        }
    }

    static void writeOne(ByteBuffer out, DType dtype, int index, double v) {
        switch (dtype) {
            case FLOAT32 -> out.putFloat(index << 2, (float) v);
            case FLOAT64 -> out.putDouble(index << 3, v);
            case FLOAT16 -> out.putShort(index << 1, Float16.fromFloat((float) v));
            case INT64 -> out.putLong(index << 3, (long) Math.rint(v));
            case INT32 -> out.putInt(index << 2, (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.rint(v))));
            case UINT8 -> out.put(index, (byte) Math.max(0, Math.min(255, Math.rint(v))));
            case BOOL -> out.put(index, (byte) (v >= 0.5 ? 1 : 0));
        }
    }

    static int elements(Tensor t) {
        return Math.toIntExact(t.elementCount());
    }
}
