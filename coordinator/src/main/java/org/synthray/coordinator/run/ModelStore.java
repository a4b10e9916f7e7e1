package org.synthray.coordinator.run;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;

/**
 * Model versions as files named by their SHA-256: {@code <dir>/ab/abcd….npz}, each the canonical
 * {@code .npz} of the weights (so the name is {@link Weights#sha256()}). Written to a temporary
 * name and moved into place, so a crash never leaves a partial model under a real name.
 */
@ApplicationScoped
public class ModelStore {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    @ConfigProperty(name = "synthray.models.dir", defaultValue = "synthray-data/models")
    Path dir;

    /** A stored model: its hash and file size. */
    public record Stored(String sha256, long sizeBytes) {
    }

    public Stored put(Weights weights) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "incoming-", ".npz");
        try {
            MessageDigest md = sha256();
            try (OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20), md)) {
                Npz.write(weights, out);
            }
            String sha = HexFormat.of().formatHex(md.digest());
            Path target = path(sha);
            Files.createDirectories(target.getParent());
            if (Files.exists(target)) {
                return new Stored(sha, Files.size(target)); // content-addressed: already stored
            }
            long size = Files.size(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return new Stored(sha, size);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * @throws IllegalArgumentException for a malformed hash
     * @throws java.nio.file.NoSuchFileException when no such model is stored
     */
    public Weights get(String sha256) throws IOException {
        return Npz.read(path(sha256));
    }

    public boolean exists(String sha256) {
        return SHA256.matcher(sha256).matches() && Files.isRegularFile(path(sha256));
    }

    /** Where a model lives; refuses anything but 64 lowercase hex digits (no path tricks). */
    public Path path(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("a model is named by 64 lowercase hex digits, got '" + sha256 + "'");
        }
        return dir.resolve(sha256.substring(0, 2)).resolve(sha256 + ".npz");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
