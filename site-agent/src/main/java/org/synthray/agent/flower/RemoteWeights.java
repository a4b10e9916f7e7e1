package org.synthray.agent.flower;

import java.io.IOException;
import java.util.List;
import org.synthray.blob.BlobRef;
import org.synthray.tensor.Weights;

/**
 * Moves models too large for one gRPC message: the coordinator sends a blob reference instead of
 * tensors, the site downloads the model, trains, uploads its update and answers with a reference.
 */
public interface RemoteWeights {
    /** Downloads (resumably, verified) and opens the model a reference names. */
    Weights fetch(BlobRef ref, List<String> names) throws IOException;

    /** Uploads an update (resumably, verified) and returns its reference. */
    BlobRef publish(Weights weights) throws IOException;
}
