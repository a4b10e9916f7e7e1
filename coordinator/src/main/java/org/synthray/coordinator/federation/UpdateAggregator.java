package org.synthray.coordinator.federation;

import java.util.Map;
import org.synthray.tensor.Weights;

/**
 * Folds one round's updates into the next global model. Updates are added as they arrive, so an
 * averaging strategy holds one accumulator, not every update; a strategy that needs every update
 * (a median, Krum) keeps them on disk, not on the heap.
 *
 * <p>An aggregator lives for one round. Whoever drives it calls {@link #close()} when the round is
 * over, whether or not {@link #result()} was reached, so temporary files are removed.
 */
public interface UpdateAggregator extends AutoCloseable {
    /** Adds one validated update (same names, dtypes and shapes as the global model). */
    void add(ClientUpdate update);

    /** Updates added so far. */
    int count();

    /** The new global model; only called once, and only when {@link #count()} &gt; 0. */
    Weights result();

    /**
     * Numbers the server computed while aggregating this round, for the round's metrics and log line
     * (e.g. {@code dp_epsilon}); empty by default. Only meaningful after {@link #result()}.
     */
    default Map<String, Double> metrics() {
        return Map.of();
    }

    /** Releases what the round held (temporary files); idempotent. */
    @Override
    default void close() {
    }
}
