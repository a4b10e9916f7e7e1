package org.synthray.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * SHA-256 as SynthRay names blobs: 64 lowercase hex digits. Anything else (upper case, a path, a
 * shorter string) is not a blob name, so a name can be used in a file path once it has passed
 * {@link #requireValid}.
 */
public final class Sha256 {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final int BUFFER = 1 << 20;

    private Sha256() {
    }

    /** True for exactly 64 lowercase hex digits. */
    public static boolean isValid(String sha256) {
        return sha256 != null && HEX.matcher(sha256).matches();
    }

    /**
     * @return {@code sha256}
     * @throws IllegalArgumentException naming the problem, without echoing more than a short prefix
     */
    public static String requireValid(String sha256) {
        if (!isValid(sha256)) {
            throw new IllegalArgumentException("not a SHA-256 blob name (64 lowercase hex digits): " + describe(sha256));
        }
        return sha256;
    }

    /** A short, printable rendering of a value that failed validation (never the whole input). */
    public static String describe(String value) {
        if (value == null) {
            return "null";
        }
        String head = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < head.length(); i++) {
            char c = head.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.append("' (").append(value.length()).append(" chars)").toString();
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** The digest's value as a blob name (the digest is reset). */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String of(byte[] bytes) {
        MessageDigest md = newDigest();
        md.update(bytes);
        return hex(md);
    }

    /** Hashes a file in one streaming pass (1 MiB direct buffer, nothing else on the heap). */
    public static BlobRef of(Path file) throws IOException {
        MessageDigest md = newDigest();
        long size = update(md, file, Long.MAX_VALUE);
        return new BlobRef(hex(md), size);
    }

    /**
     * Feeds the first {@code limit} bytes of a file (or all of it, if shorter) into {@code digest}.
     *
     * @return bytes hashed
     */
    public static long update(MessageDigest digest, Path file, long limit) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            long done = 0;
            while (done < limit) {
                buf.clear();
                if (limit - done < buf.capacity()) {
                    buf.limit((int) (limit - done));
                }
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                buf.flip();
                digest.update(buf);
                done += n;
            }
            return done;
        }
    }

    /** Hashes a stream to its end. */
    public static BlobRef of(InputStream in) throws IOException {
        MessageDigest md = newDigest();
        byte[] buf = new byte[64 * 1024];
        long size = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
            size += n;
        }
        return new BlobRef(hex(md), size);
    }
}
