package org.synthray.agent.diffusion;

/**
 * What every scheduler over the model's {@link NoiseSchedule} shares: the timesteps (evenly spaced
 * from T−1 to 0 unless a scheduler chooses others), the check that steps come in order, and the
 * clean-image estimate x₀ from the model output.
 */
abstract class TimestepScheduler implements Scheduler {
    protected final NoiseSchedule schedule;
    protected final boolean vPrediction;
    private int[] timesteps = new int[0];
    private int next;

    TimestepScheduler(NoiseSchedule schedule, String prediction) {
        if (!prediction.equals("v") && !prediction.equals("eps")) {
            throw new IllegalArgumentException("prediction must be v or eps, got " + prediction);
        }
        this.schedule = schedule;
        this.vPrediction = prediction.equals("v");
    }

    /** Evenly spaced timesteps from T−1 down to 0 (n ≤ T of them, all distinct). */
    static int[] evenlySpaced(int steps, int T) {
        if (steps < 1) {
            throw new IllegalArgumentException("a scheduler needs at least 1 step, got " + steps);
        }
        int n = Math.min(steps, T);
        int[] ts = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = n == 1 ? T - 1 : (int) Math.round((T - 1) * (1.0 - (double) i / (n - 1)));
        }
        return ts;
    }

    /** The timesteps for {@code n} steps, strictly decreasing, ending at 0. */
    protected int[] chooseTimesteps(int n) {
        return evenlySpaced(n, schedule.timesteps());
    }

    @Override
    public void setTimesteps(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("a scheduler needs at least 1 step, got " + n);
        }
        timesteps = chooseTimesteps(n);
        next = 0;
        reset();
    }

    /** Forgets state kept between steps. */
    protected void reset() {
    }

    @Override
    public int[] timesteps() {
        return timesteps.clone();
    }

    /**
     * Checks that {@code t} is the timestep expected next and advances.
     *
     * @return the index of {@code t} in the timesteps
     */
    protected int advance(int t) {
        if (next >= timesteps.length || timesteps[next] != t) {
            throw new IllegalStateException("step at t=" + t + " but the scheduler expects "
                    + (next >= timesteps.length ? "no more steps (call setTimesteps)" : "t=" + timesteps[next]));
        }
        return next++;
    }

    /** The timestep after index k, or −1 for "clean" (ᾱ = 1) after the last one. */
    protected int after(int k) {
        return k + 1 < timesteps.length ? timesteps[k + 1] : -1;
    }

    protected double signal(int t) {
        return t < 0 ? 1.0 : schedule.signal(t);
    }

    protected double noise(int t) {
        return t < 0 ? 0.0 : schedule.noise(t);
    }

    /** x₀ from the model output, clipped to [−1, 1]: images live there, and clipping keeps one bad step from saturating a sample. */
    protected double cleanEstimate(double xt, double out, double a, double s) {
        double x0 = vPrediction ? a * xt - s * out : (xt - s * out) / a;
        return Math.max(-1, Math.min(1, x0));
    }
}
