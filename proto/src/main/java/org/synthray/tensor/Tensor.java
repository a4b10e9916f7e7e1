package org.synthray.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named n-dimensional array: a dtype, a shape and its elements as little-endian bytes in
 * row-major (C) order. Model weights, Flower {@code Parameters} entries, checkpoint entries and
 * update tensors are all this one type.
 *
 * <p>A tensor is immutable: the constructor takes ownership of the buffer, and {@link #data()}
 * hands out read-only views. Elements are limited to what one {@link ByteBuffer} holds (2 GiB);
 * models larger than that are many tensors.
 */
public final class Tensor {
    private final String name;
    private final DType dtype;
    private final int[] shape;
    private final ByteBuffer data;

    /**
     * @param data little-endian, C-order element bytes; its remaining bytes must equal
     *             {@code elementCount(shape) * dtype.itemSize()}
     */
    public Tensor(String name, DType dtype, int[] shape, ByteBuffer data) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        long expected = elementCount(this.shape) * dtype.itemSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "' " + dtype.descr() + " "
                    + shapeString(this.shape) + " needs " + expected + " bytes, got " + data.remaining());
        }
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 tensor holding a copy of {@code values}. */
    public static Tensor ofFloats(String name, int[] shape, float... values) {
        ByteBuffer b = allocate(DType.FLOAT32, shape, values.length);
        b.asFloatBuffer().put(values);
        return new Tensor(name, DType.FLOAT32, shape, b);
    }

    /** A float64 tensor holding a copy of {@code values}. */
    public static Tensor ofDoubles(String name, int[] shape, double... values) {
        ByteBuffer b = allocate(DType.FLOAT64, shape, values.length);
        b.asDoubleBuffer().put(values);
        return new Tensor(name, DType.FLOAT64, shape, b);
    }

    /** An int64 tensor holding a copy of {@code values}. */
    public static Tensor ofLongs(String name, int[] shape, long... values) {
        ByteBuffer b = allocate(DType.INT64, shape, values.length);
        b.asLongBuffer().put(values);
        return new Tensor(name, DType.INT64, shape, b);
    }

    /**
     * A tensor of the given dtype holding {@code values}: rounded to the nearest integer for integer
     * dtypes (clamped to 0..255 for uint8), {@code >= 0.5} for booleans.
     */
    public static Tensor fromDoubles(String name, DType dtype, int[] shape, double[] values) {
        ByteBuffer b = allocate(dtype, shape, values.length);
        for (int i = 0; i < values.length; i++) {
            putDouble(b, dtype, i, values[i]);
        }
        return new Tensor(name, dtype, shape, b);
    }

    /** A tensor of zeros. */
    public static Tensor zeros(String name, DType dtype, int[] shape) {
        return new Tensor(name, dtype, shape, ByteBuffer.allocate(
                Math.toIntExact(elementCount(shape) * dtype.itemSize())));
    }

    private static ByteBuffer allocate(DType dtype, int[] shape, int given) {
        long n = elementCount(shape);
        if (n != given) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " holds " + n
                    + " elements, got " + given);
        }
        return ByteBuffer.allocate(Math.toIntExact(n * dtype.itemSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape; {@code []} for a 0-d (scalar) tensor. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public int byteSize() {
        return data.capacity();
    }

    /** A read-only little-endian view of the element bytes, positioned at 0. */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The same data under another name. */
    public Tensor withName(String newName) {
        return new Tensor(newName, dtype, shape, data);
    }

    /** Element {@code index} (row-major) widened to double; booleans read as 0 or 1. */
    public double getDouble(int index) {
        int p = index * dtype.itemSize();
        return switch (dtype) {
            case FLOAT32 -> data.getFloat(p);
            case FLOAT64 -> data.getDouble(p);
            case FLOAT16 -> Float16.toFloat(data.getShort(p));
            case INT64 -> data.getLong(p);
            case INT32 -> data.getInt(p);
            case UINT8 -> data.get(p) & 0xff;
            case BOOL -> data.get(p) != 0 ? 1 : 0;
        };
    }

    /** Element {@code index} as an exact long; only for integer and boolean tensors. */
    public long getLong(int index) {
        int p = index * dtype.itemSize();
        return switch (dtype) {
            case INT64 -> data.getLong(p);
            case INT32 -> data.getInt(p);
            case UINT8 -> data.get(p) & 0xff;
            case BOOL -> data.get(p) != 0 ? 1 : 0;
            default -> throw new IllegalStateException(dtype.descr() + " is not an integer dtype");
        };
    }

    /** All elements as float (float32 exactly; other dtypes converted). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(elementCount());
        float[] out = new float[n];
        if (dtype == DType.FLOAT32) {
            data().asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) getDouble(i);
            }
        }
        return out;
    }

    /** All elements widened to double. */
    public double[] toDoubleArray() {
        int n = Math.toIntExact(elementCount());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** True when dtype, shape and element bytes are equal (the name is not compared). */
    public boolean contentEquals(Tensor other) {
        return dtype == other.dtype && Arrays.equals(shape, other.shape) && data.equals(other.data);
    }

    @Override
    public String toString() {
        return name + ":" + dtype.descr() + shapeString(shape);
    }

    static void putDouble(ByteBuffer b, DType dtype, int index, double v) {
        int p = index * dtype.itemSize();
        switch (dtype) {
            case FLOAT32 -> b.putFloat(p, (float) v);
            case FLOAT64 -> b.putDouble(p, v);
            case FLOAT16 -> b.putShort(p, Float16.fromFloat((float) v));
            case INT64 -> b.putLong(p, Math.round(v));
            case INT32 -> b.putInt(p, (int) Math.round(v));
            case UINT8 -> b.put(p, (byte) Math.max(0, Math.min(255, Math.round(v))));
            case BOOL -> b.put(p, (byte) (v >= 0.5 ? 1 : 0));
        }
    }

    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape as Python writes a tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    public static String shapeString(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }
}
