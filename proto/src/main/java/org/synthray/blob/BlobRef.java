package org.synthray.blob;

/**
 * A blob's name and size: the SHA-256 of its bytes (64 lowercase hex digits) and how many bytes
 * there are. Two blobs with the same ref hold the same bytes.
 */
public record BlobRef(String sha256, long size) {
    public BlobRef {
        Sha256.requireValid(sha256);
        if (size < 0) {
            throw new IllegalArgumentException("blob size must be >= 0, got " + size);
        }
    }

    /** The first 12 hex digits, for log lines. */
    public String shortName() {
        return sha256.substring(0, 12);
    }

    @Override
    public String toString() {
        return "blob " + sha256 + " (" + size + " bytes)";
    }
}
