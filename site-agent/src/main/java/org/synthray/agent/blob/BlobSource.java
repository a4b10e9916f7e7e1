package org.synthray.agent.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;

/**
 * Bytes to upload: their blob ref (known before sending, since blobs are named by their hash) and
 * a way to read them again from any offset, which is what lets an upload resume.
 */
public interface BlobSource {
    BlobRef ref();

    /** The bytes from {@code offset} to the end. */
    InputStream open(long offset) throws IOException;

    /** A file, hashed now (one streaming pass). */
    static BlobSource of(Path file) throws IOException {
        return of(file, Sha256.of(file));
    }

    /** A file whose ref is already known (for instance from {@link org.synthray.blob.WeightsBlobs#write}). */
    static BlobSource of(Path file, BlobRef ref) {
        return new BlobSource() {
            @Override
            public BlobRef ref() {
                return ref;
            }

            @Override
            public InputStream open(long offset) throws IOException {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                return Channels.newInputStream(ch.position(offset));
            }
        };
    }
}
