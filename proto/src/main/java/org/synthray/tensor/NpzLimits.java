package org.synthray.tensor;

import java.util.Arrays;

/**
 * What reading an {@code .npz} may cost, checked from each entry's {@code .npy} header <em>before</em>
 * its data is inflated, copied or mapped: a file of a few megabytes cannot make a reader allocate
 * gigabytes.
 *
 * <ul>
 *   <li>{@code expected}: when set, entry {@code i} must declare exactly the dtype and shape of the
 *       model's tensor {@code i}, and there may be no more entries than the model has tensors (an
 *       update checked against the global model before anything else);</li>
 *   <li>{@code maxDataBytes}: the element data of all entries together;</li>
 *   <li>{@code maxCompressionRatio}: a compressed entry may declare at most this many times its
 *       compressed size (entries under {@link #RATIO_FREE_BYTES} may compress as well as they
 *       like: a small all-zero tensor is legitimate).</li>
 * </ul>
 */
public record NpzLimits(Weights expected, long maxDataBytes, int maxCompressionRatio) {
    /** Real weights compress about 1.1:1; only long runs of equal bytes go beyond 100:1. */
    public static final int DEFAULT_MAX_COMPRESSION_RATIO = 100;
    /** Entries up to this size (header and data) are not held to the ratio. */
    public static final long RATIO_FREE_BYTES = 1L << 20;
    /** No limit but the compression ratio: for files the reader wrote itself or an admin gave. */
    public static final NpzLimits DEFAULT = new NpzLimits(null, Long.MAX_VALUE, DEFAULT_MAX_COMPRESSION_RATIO);

    public NpzLimits {
        if (maxDataBytes < 0 || maxCompressionRatio < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** Entries exactly as {@code model}'s tensors, in order, and no more data than the model has. */
    public static NpzLimits shapesOf(Weights model) {
        return new NpzLimits(model, model.byteSize(), DEFAULT_MAX_COMPRESSION_RATIO);
    }

    /** Keeps track of one file's entries against the limits. */
    public Budget budget() {
        return new Budget();
    }

    /** The running check over one file's entries. */
    public final class Budget {
        private int index;
        private long dataBytes;

        private Budget() {
        }

        /**
         * Checks the next entry before its data is read.
         *
         * @param storedBytes bytes the entry takes in the zip (compressed size), or -1 when unknown
         * @throws Npy.NpyFormatException naming the entry and the limit it breaks
         */
        public void admit(String entry, Npy.Info info, long storedBytes) {
            int i = index++;
            if (expected != null) {
                if (i >= expected.size()) {
                    throw refuse(entry, "more entries than the model's " + expected.size() + " tensors");
                }
                Tensor want = expected.get(i);
                if (want.dtype() != info.dtype() || !Arrays.equals(want.shape(), info.shape())) {
                    throw refuse(entry, "declares " + info.dtype().descr() + Tensor.shapeString(info.shape())
                            + ", the model's tensor " + i + " ('" + want.name() + "') is " + want.dtype().descr()
                            + Tensor.shapeString(want.shape()));
                }
            }
            dataBytes += info.dataBytes();
            if (dataBytes > maxDataBytes || dataBytes < 0) {
                throw refuse(entry, "brings the data to more than " + maxDataBytes + " bytes");
            }
            checkRatio(entry, info.fileBytes(), storedBytes);
        }

        /** Checks what an entry inflated so far against what it consumed of the zip (for streams). */
        public void checkRatio(String entry, long inflatedBytes, long storedBytes) {
            if (storedBytes >= 0 && inflatedBytes > RATIO_FREE_BYTES
                    && inflatedBytes / (double) Math.max(1, storedBytes) > maxCompressionRatio) {
                throw refuse(entry, "declares " + inflatedBytes + " bytes compressed into " + storedBytes
                        + " (more than " + maxCompressionRatio + ":1)");
            }
        }

        private Npy.NpyFormatException refuse(String entry, String why) {
            return new Npy.NpyFormatException("entry '" + entry + "' " + why);
        }
    }
}
