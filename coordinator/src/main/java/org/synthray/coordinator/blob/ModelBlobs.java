package org.synthray.coordinator.blob;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.synthray.blob.BlobRef;
import org.synthray.flower.BlobRefs;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.MappedNpz;
import org.synthray.tensor.Npz;
import org.synthray.tensor.NpzLimits;
import org.synthray.tensor.Weights;

/**
 * Model weights in instructions and replies, for the federation engine: below
 * {@code synthray.blobs.threshold-bytes} they travel as Flower tensors, as stock Flower sends them;
 * above it as a blob reference ({@link BlobRefs}) to an {@code .npz} in the {@link BlobStore}, which
 * SynthRay agents move through the blob service.
 *
 * <pre>
 * // FitIns / EvaluateIns
 * ModelBlobs.Encoded e = modelBlobs.encode(global, config);
 * ServerMessage msg = Instructions.fit(e.parameters(), e.config());
 * // FitRes
 * Weights update = modelBlobs.decode(res.getParameters(), res.getMetricsMap(), global.names());
 * Map&lt;String, Scalar&gt; metrics = BlobRefs.withoutRef(res.getMetricsMap());
 * </pre>
 */
@Singleton
public class ModelBlobs {
    private final BlobStore store;
    private final long thresholdBytes;

    @Inject
    public ModelBlobs(BlobStore store, BlobConfig config) {
        this(store, config.thresholdBytes());
    }

    public ModelBlobs(BlobStore store, long thresholdBytes) {
        this.store = store;
        this.thresholdBytes = thresholdBytes;
    }

    public long thresholdBytes() {
        return thresholdBytes;
    }

    /** What an instruction carries: its parameters and config, and the blob when it is a reference. */
    public record Encoded(Parameters parameters, Map<String, Scalar> config, Optional<BlobRef> blob) {
    }

    /**
     * Parameters and config for an instruction sending {@code weights}: the tensors themselves up to
     * the threshold, else a reference to the model stored as a blob (published first).
     */
    public Encoded encode(Weights weights, Map<String, Scalar> config) throws IOException {
        if (!BlobRefs.exceedsThreshold(weights, thresholdBytes)) {
            return new Encoded(FlowerTensors.toParameters(weights), config, Optional.empty());
        }
        BlobRef ref = publish(weights);
        return new Encoded(BlobRefs.referenceParameters(), BlobRefs.withRef(config, ref), Optional.of(ref));
    }

    /**
     * Stores {@code weights} as an {@code .npz} blob, streamed and hashed in one pass (nothing is
     * built in memory). Publishing the same weights again stores nothing new.
     */
    public BlobRef publish(Weights weights) throws IOException {
        return store.write(out -> Npz.write(weights, out));
    }

    /**
     * The weights a reply carries: decoded from its tensors, or opened from the blob it refers to
     * (memory-mapped; the blob was verified when it was uploaded).
     *
     * @param values the reply's metrics (or an instruction's config)
     * @param names  tensor names in order, or null for the names in the blob ({@code t0, t1, …} for tensors)
     * @throws IllegalArgumentException with the reason when the reference is invalid, the blob was
     *                                  never uploaded, or the tensors do not decode
     */
    public Weights decode(Parameters parameters, Map<String, Scalar> values, List<String> names) throws IOException {
        Optional<BlobRef> ref = BlobRefs.find(parameters, values);
        if (ref.isEmpty()) {
            return FlowerTensors.toWeights(parameters, names);
        }
        return read(ref.get(), names);
    }

    /**
     * Opens a stored model blob.
     *
     * @throws IllegalArgumentException when the blob is not stored or has another size
     */
    public Weights read(BlobRef ref, List<String> names) throws IOException {
        return read(ref, names, NpzLimits.DEFAULT);
    }

    /**
     * Opens a stored model blob, each entry checked against {@code limits} before its data is
     * mapped or inflated.
     *
     * @throws IllegalArgumentException when the blob is not stored, has another size or breaks a limit
     */
    public Weights read(BlobRef ref, List<String> names, NpzLimits limits) throws IOException {
        OptionalLong size = store.size(ref.sha256());
        if (size.isEmpty()) {
            throw new IllegalArgumentException("refers to blob " + ref.sha256() + ", which was never uploaded");
        }
        if (size.getAsLong() != ref.size()) {
            throw new IllegalArgumentException("refers to blob " + ref.sha256() + " of " + ref.size()
                    + " bytes, but it holds " + size.getAsLong());
        }
        try {
            Optional<Path> local = store.localFile(ref.sha256());
            if (local.isPresent()) {
                return MappedNpz.read(local.get(), names, limits);
            }
            // A store without local files: copy to a temporary file and map that.
            Path tmp = Files.createTempFile("synthray-model-", ".npz");
            try (InputStream in = store.open(ref.sha256(), 0)) {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return MappedNpz.read(tmp, names, limits);
            } finally {
                Files.deleteIfExists(tmp); // the mapping stays valid after the name is gone
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException("blob " + ref.sha256() + " is not a model: " + e.getMessage(), e);
        }
    }
}
