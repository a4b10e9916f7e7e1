package org.synthray.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The one identity of a model: a SHA-256 over its tensors' values and shapes, in order, and nothing
 * else. It is the same for the same weights however they are held:
 *
 * <ul>
 *   <li><b>names do not count</b>: Flower carries tensors without names (the order is the
 *       contract), so a model received from a stock client and the same model read from a named
 *       checkpoint are one model;</li>
 *   <li><b>float16 counts as float32</b>: a float16 tensor is hashed as the float32 values it widens
 *       to exactly, so a checkpoint stored in float16 and the float32 model a site loads from it (and
 *       sends) are one model;</li>
 *   <li><b>the file does not count</b>: zip layout, timestamps, compression and {@code .npy} header
 *       padding are not hashed, only the decoded values.</li>
 * </ul>
 *
 * <p>Definition (version 1), hashed in this order:
 * <pre>
 * "synthray-model-v1\n"
 * int64 tensor count
 * per tensor: dtype descr as UTF-8 ("&lt;f2" written as "&lt;f4"), one 0 byte, int64 rank,
 *             int64 per dimension, int64 data length, the little-endian C-order element bytes
 * </pre>
 * (all integers little-endian). A re-implementation needs only numpy: for each array
 * {@code a.astype('<f4') if a.dtype == np.float16 else a}, then its shape and {@code tobytes()}.
 */
public final class ModelId {
    private static final byte[] PREFIX = "synthray-model-v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final int CHUNK = 1 << 16;

    private ModelId() {
    }

    /** The identity of {@code weights} (64 lowercase hex digits). */
    public static String of(Weights weights) {
        MessageDigest md = sha256();
        ByteBuffer num = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        md.update(PREFIX);
        md.update(num.clear().putLong(weights.size()).array());
        for (Tensor t : weights) {
            boolean widen = t.dtype() == DType.FLOAT16;
            md.update((widen ? DType.FLOAT32 : t.dtype()).descr().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(num.clear().putLong(t.rank()).array());
            for (int d : t.shape()) {
                md.update(num.clear().putLong(d).array());
            }
            long length = widen ? t.elementCount() * 4 : t.byteSize();
            md.update(num.clear().putLong(length).array());
            if (widen) {
                widened(t.data(), md);
            } else {
                md.update(t.data());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** True for something shaped like a model identity: 64 lowercase hex digits. */
    public static boolean isValid(String id) {
        return id != null && HEX64.matcher(id).matches();
    }

    /** Float16 elements as the float32 bytes they widen to, hashed a chunk at a time (no full copy). */
    private static void widened(ByteBuffer halves, MessageDigest md) {
        ByteBuffer out = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
        while (halves.remaining() >= 2) {
            out.clear();
            while (halves.remaining() >= 2 && out.hasRemaining()) {
                out.putFloat(Float16.toFloat(halves.getShort()));
            }
            out.flip();
            md.update(out);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
