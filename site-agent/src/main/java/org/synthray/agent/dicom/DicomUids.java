package org.synthray.agent.dicom;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Fresh DICOM UIDs under the {@code 2.25} root (PS3.5 §B.2): a random UUID written as one unsigned
 * decimal number. They need no registered organisation root, are unique without coordination between
 * sites, and carry nothing about where or when an image was made.
 */
public final class DicomUids {
    private DicomUids() {}

    /** SynthRay's Implementation Class UID (0002,0012), fixed for every file SynthRay writes. */
    public static final String IMPLEMENTATION_CLASS_UID = "2.25.148695379810053634571768402028359650732";

    /** A new UID, {@code 2.25.} followed by up to 39 digits (at most 44 characters, below the limit of 64). */
    public static String newUid() {
        return fromUuid(UUID.randomUUID());
    }

    /** The {@code 2.25} UID of a UUID. */
    public static String fromUuid(UUID uuid) {
        byte[] bytes = ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits())
                .array();
        return "2.25." + new BigInteger(1, bytes);
    }
}
