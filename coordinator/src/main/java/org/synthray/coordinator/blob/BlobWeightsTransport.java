package org.synthray.coordinator.blob;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.synthray.blob.BlobRef;
import org.synthray.coordinator.federation.WeightsTransport;
import org.synthray.flower.BlobRefs;
import org.synthray.flower.FlowerTensors;
import org.synthray.tensor.NpzLimits;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.tensor.Weights;

/**
 * Weights in rounds: tensors up to {@code synthray.blobs.threshold-bytes}, blob references above
 * (FitIns config / FitRes metrics keys {@code synthray.blob.sha256} and {@code synthray.blob.size}).
 */
@Singleton
public class BlobWeightsTransport implements WeightsTransport {

    @Inject
    ModelBlobs blobs;

    @Inject
    BlobUploads uploads;

    /** Blobs the coordinator put in its own instructions: a site may hand one back unchanged. */
    private final Set<String> offered = ConcurrentHashMap.newKeySet();

    @Override
    public Outgoing outgoing(Weights weights) throws IOException {
        ModelBlobs.Encoded e = blobs.encode(weights, Map.of());
        e.blob().ifPresent(ref -> offered.add(ref.sha256()));
        return new Outgoing(e.parameters(), e.config());
    }

    /**
     * Tensors in the reply, or the blob it refers to when that blob is one the coordinator offered
     * or one the replying site uploaded since it was asked; the blob's entries are checked against
     * the global model's dtypes and shapes before any is mapped or inflated.
     */
    @Override
    public Weights incoming(ClientMessage.FitRes res, Weights global, Origin origin) throws IOException {
        Optional<BlobRef> ref = BlobRefs.find(res);
        if (ref.isEmpty()) {
            return FlowerTensors.toWeights(res.getParameters(), global.names());
        }
        String sha = ref.get().sha256();
        if (!offered.contains(sha) && !uploads.uploadedSince(origin.siteId(), sha, origin.askedAt())) {
            throw new IllegalArgumentException("refers to blob " + sha + ", which this site did not upload for this"
                    + " round (a reply may name only a blob its site uploaded after being asked, or the model it was sent)");
        }
        return blobs.read(ref.get(), global.names(), NpzLimits.shapesOf(global));
    }

    @Override
    public String updateDigest(ClientMessage.FitRes res) {
        return BlobRefs.find(res).map(r -> r.sha256()).orElseGet(() -> WeightsTransport.super.updateDigest(res));
    }
}
