package org.synthray.coordinator.model;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.synthray.blob.BlobRef;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.blob.ModelBlobs;
import org.synthray.coordinator.persistence.ModelRecord;
import org.synthray.tensor.ModelId;
import org.synthray.tensor.Weights;

/**
 * The models the coordinator holds, as an index over the {@link BlobStore}: each model is the
 * canonical {@code .npz} of its weights stored as a blob (on disk or in S3, wherever blobs go), and
 * a row of the {@code models} table maps its identity ({@link ModelId}) to that blob. Model
 * versions, uploaded base models and the round models sent to sites are therefore the same blobs,
 * fetched the same way.
 *
 * <p>The blob is written first and the index row after it, in its own transaction: a crash between
 * the two leaves an unreferenced blob, never an index entry without its bytes.
 */
@ApplicationScoped
public class ModelStore {

    @Inject
    BlobStore blobs;

    @Inject
    ModelBlobs modelBlobs;

    /** A stored model: its identity, the blob holding it and its size. */
    public record Stored(String id, String blobSha256, long sizeBytes, int tensors, long parameters) {
        public BlobRef blob() {
            return new BlobRef(blobSha256, sizeBytes);
        }

        static Stored of(ModelRecord r) {
            return new Stored(r.id, r.blobSha256, r.sizeBytes, r.tensorCount, r.parameterCount);
        }
    }

    /**
     * Stores {@code weights} under their {@link ModelId}. Storing the same model again keeps the
     * stored copy, except that weights with real tensor names replace a copy under other names
     * (such as positional {@code t0, t1, …}, received from Flower before the coordinator knew the
     * run's config); positional names never replace anything.
     */
    public Stored put(Weights weights) throws IOException {
        String id = weights.modelId();
        Optional<Stored> known = find(id);
        // Named weights replace a stored copy only when they are another blob (names are all that can
        // differ): hashing the encoding costs CPU, not a read of the stored copy (from S3, say).
        if (known.isPresent() && blobs.exists(known.get().blobSha256())
                && (positional(weights.names()) || known.get().blobSha256().equals(weights.sha256()))) {
            return known.get();
        }
        BlobRef ref = modelBlobs.publish(weights);
        return QuarkusTransaction.requiringNew().call(() -> {
            ModelRecord r = ModelRecord.findById(id);
            if (r == null) {
                r = new ModelRecord();
                r.id = id;
                r.createdAt = OffsetDateTime.now();
            }
            r.blobSha256 = ref.sha256();
            r.sizeBytes = ref.size();
            r.tensorCount = weights.size();
            r.parameterCount = weights.parameterCount();
            r.persist();
            return Stored.of(r);
        });
    }

    /** The index entry of a model; empty when no such model is stored (or the id is malformed). */
    public Optional<Stored> find(String id) {
        if (!ModelId.isValid(id)) {
            return Optional.empty();
        }
        return QuarkusTransaction.joiningExisting().call(
                () -> ModelRecord.<ModelRecord>findByIdOptional(id).map(Stored::of));
    }

    public boolean exists(String id) {
        return find(id).isPresent();
    }

    /**
     * The model's weights, memory-mapped from its blob, under the names it was stored with.
     *
     * @throws NoSuchFileException when no such model is stored
     */
    public Weights get(String id) throws IOException {
        return modelBlobs.read(require(id).blob(), null);
    }

    /** The model's canonical {@code .npz} bytes, from its blob. */
    public InputStream open(String id) throws IOException {
        return blobs.open(require(id).blobSha256(), 0);
    }

    /**
     * The tensor names of the model config {@code config} (e.g. {@code cpu64}): those of the latest
     * model uploaded with that config in its provenance. Empty when the coordinator knows no such
     * model: then tensors received from Flower keep positional names ({@code t0, t1, …}).
     */
    public Optional<List<String>> namesFor(String config) throws IOException {
        Optional<ModelRecord> r = QuarkusTransaction.joiningExisting().call(() -> ModelRecord.latestFor(config));
        if (r.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(modelBlobs.read(Stored.of(r.get()).blob(), null).names());
    }

    /**
     * Weights that are not a model (a strategy's state: optimiser moments, privacy accounting),
     * stored as a plain blob. @return the blob's SHA-256
     */
    public String putState(Weights state) throws IOException {
        return modelBlobs.publish(state).sha256();
    }

    /** @throws NoSuchFileException when the blob is not stored */
    public Weights getState(String blobSha256) throws IOException {
        long size = blobs.size(blobSha256).orElseThrow(() -> new NoSuchFileException("no stored state " + blobSha256));
        return modelBlobs.read(new BlobRef(blobSha256, size), null);
    }

    /** True for the names Flower tensors get when nobody knows better: {@code t0, t1, …}. */
    static boolean positional(List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals("t" + i)) {
                return false;
            }
        }
        return true;
    }

    private Stored require(String id) throws NoSuchFileException {
        return find(id).orElseThrow(() -> new NoSuchFileException("no model " + id));
    }
}
