package org.synthray.coordinator.blob;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.federation.WeightsTransport;
import org.synthray.flower.BlobRefs;
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

    @Override
    public Outgoing outgoing(Weights weights) throws IOException {
        ModelBlobs.Encoded e = blobs.encode(weights, Map.of());
        return new Outgoing(e.parameters(), e.config());
    }

    @Override
    public Weights incoming(ClientMessage.FitRes res, List<String> names) throws IOException {
        return blobs.decode(res.getParameters(), res.getMetricsMap(), names);
    }

    @Override
    public String updateDigest(ClientMessage.FitRes res) {
        return BlobRefs.find(res).map(r -> r.sha256()).orElseGet(() -> WeightsTransport.super.updateDigest(res));
    }
}
