package org.synthray.agent.blob;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.synthray.blob.BlobRef;
import org.synthray.blob.WeightsBlobs;
import org.synthray.tensor.Weights;

/**
 * Model weights through the blob service, for a site: fetch the global model a FitIns refers to,
 * and publish a local update to answer with a reference
 * ({@link org.synthray.flower.BlobRefs}).
 *
 * <p>Files live in {@code workDir} under their SHA-256 ({@code <sha256>.npz}): a model already
 * downloaded or uploaded is not moved again, and an interrupted download continues from its
 * {@code .part} file. Models are opened memory-mapped, so a model larger than the heap works.
 */
public final class ModelTransfer implements org.synthray.agent.flower.RemoteWeights {
    private final BlobClient client;
    private final Path workDir;

    public ModelTransfer(BlobClient client, Path workDir) throws IOException {
        this.client = client;
        this.workDir = Files.createDirectories(workDir);
    }

    /** Where a model blob is kept locally. */
    public Path fileOf(BlobRef ref) {
        return workDir.resolve(ref.sha256() + ".npz");
    }

    /**
     * Downloads (or finds locally) the model {@code ref} and opens it.
     *
     * @param names the local model's tensor names in order, or null to keep the names in the blob
     */
    @Override
    public Weights fetch(BlobRef ref, List<String> names) throws IOException {
        Path file = fileOf(ref);
        client.download(ref, file);
        return WeightsBlobs.map(file, names);
    }

    /** Writes {@code weights} as an {@code .npz} (hashed in the same pass) and uploads it. */
    @Override
    public BlobRef publish(Weights weights) throws IOException {
        Path tmp = Files.createTempFile(workDir, "update-", ".npz");
        BlobRef ref;
        try {
            ref = WeightsBlobs.write(weights, tmp);
            Files.move(tmp, fileOf(ref), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        client.upload(BlobSource.of(fileOf(ref), ref));
        return ref;
    }

    /** Deletes the local copy of a model no longer needed. */
    public void forget(BlobRef ref) throws IOException {
        Files.deleteIfExists(fileOf(ref));
    }
}
