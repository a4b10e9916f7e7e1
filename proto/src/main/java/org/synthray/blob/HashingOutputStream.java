package org.synthray.blob;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through to another stream while hashing (SHA-256) and counting them, so a blob's
 * name is known the moment its last byte is written, in the same pass.
 */
public final class HashingOutputStream extends FilterOutputStream {
    private final MessageDigest digest = Sha256.newDigest();
    private long count;

    public HashingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
        count += len;
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    /** The ref of everything written; call once, after the last byte. */
    public BlobRef ref() {
        return new BlobRef(Sha256.hex(digest), count);
    }
}
