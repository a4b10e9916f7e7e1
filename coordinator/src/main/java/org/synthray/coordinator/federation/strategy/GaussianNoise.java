package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard normal samples for differential-privacy noise, from a ChaCha20 key stream (a
 * cryptographically secure generator, a few hundred MB/s with the JDK's implementation) turned into
 * normals by the Box–Muller transform on 53-bit uniforms.
 *
 * <p>{@link #secure()} keys the stream from {@link SecureRandom}: nobody, the coordinator's operator
 * included, can reproduce the noise. {@link #seeded(long)} derives the key from a seed, for tests
 * only. Known limit: like every floating-point Gaussian sampler, Box–Muller in doubles does not
 * produce an exactly Gaussian distribution (Mironov 2012's attack on floating-point Laplace noise
 * has Gaussian analogues); the formal guarantee assumes ideal real-valued noise.
 */
final class GaussianNoise {
    private static final int BLOCK = 64 * 1024;

    private final Cipher cipher;
    private final byte[] zeros = new byte[BLOCK];
    private final ByteBuffer stream = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
    private double spare = Double.NaN;

    private GaussianNoise(byte[] key, byte[] nonce) {
        try {
            cipher = Cipher.getInstance("ChaCha20");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new ChaCha20ParameterSpec(nonce, 0));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20 is not available in this JDK", e);
        }
        stream.position(stream.limit());
    }

    /** Noise nobody can reproduce. */
    static GaussianNoise secure() {
        SecureRandom r = new SecureRandom();
        byte[] key = new byte[32];
        byte[] nonce = new byte[12];
        r.nextBytes(key);
        r.nextBytes(nonce);
        return new GaussianNoise(key, nonce);
    }

    /** Reproducible noise, for tests only: the key is SHA-256 of the seed and a label. */
    static GaussianNoise seeded(long seed) {
        try {
            byte[] key = MessageDigest.getInstance("SHA-256")
                    .digest(("synthray-dp-noise:" + seed).getBytes(StandardCharsets.UTF_8));
            return new GaussianNoise(key, new byte[12]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private long nextLong() {
        if (stream.remaining() < 8) {
            stream.clear();
            try {
                cipher.update(zeros, 0, BLOCK, stream.array(), 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            stream.limit(BLOCK);
        }
        return stream.getLong();
    }

    /** One standard normal sample. */
    double next() {
        if (!Double.isNaN(spare)) {
            double s = spare;
            spare = Double.NaN;
            return s;
        }
        double u1 = ((nextLong() >>> 11) + 1) * 0x1.0p-53; // (0, 1]: log(u1) is finite
        double u2 = (nextLong() >>> 11) * 0x1.0p-53;       // [0, 1)
        double r = Math.sqrt(-2 * Math.log(u1));
        double a = 2 * Math.PI * u2;
        spare = r * Math.sin(a);
        return r * Math.cos(a);
    }

    /** Clears the buffered key stream. */
    void wipe() {
        Arrays.fill(stream.array(), (byte) 0);
        stream.position(stream.limit());
        spare = Double.NaN;
    }
}
