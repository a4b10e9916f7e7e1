package org.synthray.blob;

import java.io.IOException;

/** Bytes that are not the blob they claim to be: their size or SHA-256 differ from the expected ones. */
public class BlobIntegrityException extends IOException {
    private final BlobRef expected;
    private final BlobRef actual;

    public BlobIntegrityException(BlobRef expected, BlobRef actual) {
        super(expected.size() != actual.size()
                ? "expected " + expected.size() + " bytes of blob " + expected.sha256() + ", got " + actual.size()
                : "SHA-256 mismatch: expected " + expected.sha256() + ", got " + actual.sha256());
        this.expected = expected;
        this.actual = actual;
    }

    public BlobRef expected() {
        return expected;
    }

    public BlobRef actual() {
        return actual;
    }
}
