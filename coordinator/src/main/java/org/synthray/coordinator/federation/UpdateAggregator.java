package org.synthray.coordinator.federation;

import org.synthray.tensor.Weights;

/**
 * Folds one round's updates into the next global model. Updates are added as they arrive, so an
 * averaging strategy holds one accumulator, not every update.
 */
public interface UpdateAggregator {
    /** Adds one validated update (same names, dtypes and shapes as the global model). */
    void add(ClientUpdate update);

    /** Updates added so far. */
    int count();

    /** The new global model; only called when {@link #count()} &gt; 0. */
    Weights result();
}
