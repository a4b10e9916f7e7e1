package org.synthray.agent.diffusion;

/**
 * One way of walking a noisy image back to a clean one, like a diffusers scheduler: the pipeline owns
 * the loop (model calls, classifier-free guidance), the scheduler owns the arithmetic between model
 * calls. Use: {@link #setTimesteps(int)}, then for each {@code t} of {@link #timesteps()} in order,
 * {@code sample = step(modelOutput(sample, t), t, sample)}. A scheduler may keep state between steps
 * (DPM-Solver++ remembers its previous prediction); {@code setTimesteps} resets it. Not thread-safe.
 */
public interface Scheduler {
    /** The name written into manifests and reports ({@code ddim}, {@code dpm++2m}). */
    String name();

    /** Chooses {@code n} inference timesteps (at most the schedule's length) and forgets any earlier run. */
    void setTimesteps(int n);

    /** The timesteps chosen by {@link #setTimesteps(int)}, in the order {@link #step} must see them. */
    int[] timesteps();

    /**
     * One denoising step.
     *
     * @param modelOutput the model's (guided) output at {@code t}: v or ε, per the model config
     * @param t           the current timestep: the next one of {@link #timesteps()}
     * @param sample      x_t, [B·S·S]
     * @return x at the next timestep, or the clean image after the last one
     * @throws IllegalStateException when {@code t} is not the timestep expected next
     */
    float[] step(float[] modelOutput, int t, float[] sample);
}
