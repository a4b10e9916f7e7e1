package org.synthray.tensor;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's weights: an ordered list of uniquely named tensors. The order is the contract: it is the
 * order of Flower {@code Parameters.tensors} on the wire and of the entries in a checkpoint.
 */
public final class Weights implements Iterable<Tensor> {
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;

    public Weights(List<Tensor> tensors) {
        this.tensors = List.copyOf(tensors);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : this.tensors) {
            if (m.put(t.name(), t) != null) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    public static Weights of(Tensor... tensors) {
        return new Weights(List.of(tensors));
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    public int size() {
        return tensors.size();
    }

    public Tensor get(int index) {
        return tensors.get(index);
    }

    /** @throws IllegalArgumentException naming the tensor when it is missing */
    public Tensor get(String name) {
        Tensor t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return t;
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** Element count over all tensors. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.elementCount();
        }
        return n;
    }

    /** Bytes of element data over all tensors. */
    public long byteSize() {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.byteSize();
        }
        return n;
    }

    /**
     * True when {@code other} has the same names, dtypes and shapes in the same order: the check an
     * update must pass before it is aggregated.
     *
     * @return null when compatible, else a message naming the first difference
     */
    public String incompatibility(Weights other) {
        if (other.size() != size()) {
            return "expected " + size() + " tensors, got " + other.size();
        }
        for (int i = 0; i < size(); i++) {
            Tensor a = get(i);
            Tensor b = other.get(i);
            if (a.dtype() != b.dtype() || !java.util.Arrays.equals(a.shape(), b.shape())) {
                return "tensor " + i + " ('" + a.name() + "') expected " + a.dtype().descr()
                        + Tensor.shapeString(a.shape()) + ", got " + b.dtype().descr()
                        + Tensor.shapeString(b.shape());
            }
        }
        return null;
    }

    /** True when both hold equal tensors (content and names) in the same order. */
    public boolean contentEquals(Weights other) {
        if (other.size() != size()) {
            return false;
        }
        for (int i = 0; i < size(); i++) {
            if (!get(i).name().equals(other.get(i).name()) || !get(i).contentEquals(other.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * These weights with every float16 tensor widened to float32 (exactly; other tensors as they
     * are). The {@link #modelId()} is unchanged.
     */
    public Weights withFloat16Widened() {
        List<Tensor> out = new ArrayList<>(size());
        for (Tensor t : tensors) {
            out.add(t.dtype() == DType.FLOAT16 ? Tensor.ofFloats(t.name(), t.shape(), t.toFloatArray()) : t);
        }
        return new Weights(out);
    }

    /** The model's identity ({@link ModelId}): equal for equal values, whatever the names, float16 or file. */
    public String modelId() {
        return ModelId.of(this);
    }

    /**
     * SHA-256 of the canonical {@code .npz} encoding ({@link Npz#write}, names included): the name of
     * the blob that holds exactly these tensors. A model is identified by {@link #modelId()} instead.
     */
    public String sha256() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try {
            Npz.write(this, new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), md));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public Iterator<Tensor> iterator() {
        return tensors.iterator();
    }

    @Override
    public String toString() {
        return "Weights" + new ArrayList<>(tensors);
    }
}
