package org.synthray.coordinator.federation;

import org.synthray.tensor.Weights;

/**
 * A strategy whose behaviour depends on earlier rounds (a server optimiser's moments, a privacy
 * accountant, an adaptive clipping norm). Its state is a {@link Weights} so it can be stored next to
 * each round's model and restored after a restart: restoring the state saved after round r and the
 * model of round r, then running round r + 1, gives the same result as an uninterrupted run.
 */
public interface StatefulStrategy extends Strategy {

    /** The state after the last completed round; an empty {@code Weights} before the first. */
    Weights state();

    /**
     * Replaces the state with one that {@link #state()} returned (by this kind of strategy, for the
     * same model); an empty {@code Weights} resets it to the initial state.
     *
     * @throws IllegalArgumentException naming what does not fit when the state is not one of this strategy's
     */
    void restore(Weights state);
}
