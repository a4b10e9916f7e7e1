package org.synthray.tensor;

/**
 * The element types a SynthRay tensor can hold, named by their NumPy {@code descr}. Data is always
 * little-endian in memory, as on every machine SynthRay runs on and as Flower writes it.
 */
public enum DType {
    FLOAT32("<f4", 4),
    FLOAT64("<f8", 8),
    FLOAT16("<f2", 2),
    INT64("<i8", 8),
    INT32("<i4", 4),
    UINT8("|u1", 1),
    BOOL("|b1", 1);

    private final String descr;
    private final int itemSize;

    DType(String descr, int itemSize) {
        this.descr = descr;
        this.itemSize = itemSize;
    }

    /** NumPy's type string, e.g. {@code <f4}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16;
    }

    /**
     * Parses a NumPy {@code descr}. {@code =} (native) and {@code <} are accepted for multi-byte
     * types, {@code |} for single-byte ones (numpy also writes {@code <u1}-style strings from some
     * code paths, so the byte-order character is not checked for them).
     *
     * @throws IllegalArgumentException for big-endian data or a type SynthRay does not carry
     */
    public static DType fromDescr(String descr) {
        if (descr.length() < 3) {
            throw new IllegalArgumentException("unsupported dtype '" + descr + "'");
        }
        char order = descr.charAt(0);
        String kind = descr.substring(1);
        for (DType t : values()) {
            if (!t.descr.substring(1).equals(kind)) {
                continue;
            }
            if (t.itemSize > 1 && order != '<' && order != '=') {
                throw new IllegalArgumentException("unsupported byte order in dtype '" + descr
                        + "': only little-endian arrays are accepted");
            }
            return t;
        }
        throw new IllegalArgumentException("unsupported dtype '" + descr
                + "' (supported: <f4 <f8 <f2 <i8 <i4 |u1 |b1)");
    }
}
