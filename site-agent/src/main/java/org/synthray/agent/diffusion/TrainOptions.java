package org.synthray.agent.diffusion;

/**
 * How long and how to train.
 *
 * @param steps        optimiser steps; 0 = use {@code epochs}
 * @param epochs       passes over the data when {@code steps} is 0
 * @param maxSeconds   stop after this much wall time (0 = no limit), e.g. the base model's 60 minutes
 * @param batchSize    images per step
 * @param learningRate Adam step size
 * @param proxMu       FedProx μ: adds μ/2·‖w − w_ref‖² (reference set with {@link DiffusionModel#setReference})
 * @param seed         batch order, timesteps, noise and condition dropout all come from it
 */
public record TrainOptions(long steps, int epochs, double maxSeconds, int batchSize, double learningRate,
        double proxMu, long seed) {

    public TrainOptions {
        if (steps < 0 || epochs < 0 || (steps == 0 && epochs == 0 && maxSeconds <= 0)) {
            throw new IllegalArgumentException("give a positive number of steps, epochs or a time limit");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (!(learningRate > 0) || learningRate > 1) {
            throw new IllegalArgumentException("learning rate must be in (0, 1], got " + learningRate);
        }
        if (!(proxMu >= 0)) {
            throw new IllegalArgumentException("proximal mu must be >= 0, got " + proxMu);
        }
    }
}
