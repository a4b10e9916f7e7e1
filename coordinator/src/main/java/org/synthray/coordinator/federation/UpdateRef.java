package org.synthray.coordinator.federation;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.synthray.flower.proto.Parameters;

/**
 * An accepted update as provenance keeps it: which site, how many examples, and the SHA-256 of the
 * exact tensor bytes the site sent (its {@code .npy} files in order), so a site can prove which
 * update was its own without the coordinator keeping the update.
 */
public record UpdateRef(String siteId, String sha256, long numExamples) {

    static String digest(Parameters parameters) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < parameters.getTensorsCount(); i++) {
            md.update(parameters.getTensors(i).asReadOnlyByteBuffer());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
