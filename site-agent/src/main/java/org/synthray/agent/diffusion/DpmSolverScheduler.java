package org.synthray.agent.diffusion;

/**
 * DPM-Solver++(2M) (Lu et al. 2022), the multistep second-order solver of the diffusion ODE in its
 * data-prediction form, like diffusers' {@code DPMSolverMultistepScheduler} with
 * {@code algorithm_type="dpmsolver++"}, {@code solver_order=2}, midpoint update and a first-order
 * last step to the clean image. With λ = log(α/σ) and h = λ_prev − λ_t:
 * <pre>
 *   first step:  x_prev = (σ_prev/σ_t)·x_t − α_prev·(e^{−h} − 1)·x₀(t)                      (= DDIM)
 *   later steps: D = x₀(t) + (x₀(t) − x₀(t_last))/(2r),  r = (λ_t − λ_last)/h
 *                x_prev = (σ_prev/σ_t)·x_t − α_prev·(e^{−h} − 1)·D
 *   last step:   x₀(t)
 * </pre>
 * Still one model call per step, but the previous x₀ estimate corrects the curvature of the path,
 * so 15–20 steps land where DDIM needs about 50. The timesteps are spaced evenly in λ (the solver's
 * own variable, as the DPM-Solver paper recommends) from {@link #LAMBDA_MIN} to λ(0): evenly spaced
 * t would put most steps where the cosine schedule's λ barely moves and a few huge ones at the ends.
 */
public final class DpmSolverScheduler extends TimestepScheduler {
    /**
     * The noisiest log-SNR sampled: diffusers' {@code lambda_min_clipped} for the cosine schedule. Near
     * t = T−1 the cosine schedule's λ plunges (−9.9 at 999, −5.1 at 995), and one huge first step
     * there spoils the multistep extrapolation.
     */
    static final double LAMBDA_MIN = -5.1;
    private float[] lastX0;
    private double lastLambda;

    public DpmSolverScheduler(NoiseSchedule schedule, String prediction) {
        super(schedule, prediction);
    }

    @Override
    public String name() {
        return "dpm++2m";
    }

    @Override
    protected void reset() {
        lastX0 = null;
    }

    /** n timesteps (at most one per timestep with λ ≥ λ_min) evenly spaced in λ, strictly decreasing, ending at 0. */
    @Override
    protected int[] chooseTimesteps(int steps) {
        int tMax = schedule.timesteps() - 1;
        while (tMax > 0 && lambda(tMax) < LAMBDA_MIN) {
            tMax--;
        }
        int n = Math.min(steps, tMax + 1);
        int[] ts = new int[n];
        ts[0] = tMax;
        double lo = lambda(tMax);
        double hi = lambda(0);
        int t = tMax;
        for (int i = 1; i < n; i++) {
            double target = lo + (hi - lo) * i / (n - 1);
            while (t > 0 && Math.abs(lambda(t - 1) - target) <= Math.abs(lambda(t) - target)) {
                t--; // λ rises as t falls: walk down to the timestep nearest the target
            }
            // Strictly decreasing, with room left for the remaining steps.
            ts[i] = Math.max(n - 1 - i, Math.min(t, ts[i - 1] - 1));
        }
        return ts;
    }

    private double lambda(int t) {
        return Math.log(schedule.signal(t) / schedule.noise(t));
    }

    @Override
    public float[] step(float[] modelOutput, int t, float[] sample) {
        int k = advance(t);
        double a = schedule.signal(t);
        double s = schedule.noise(t);
        int prev = after(k);
        float[] x0 = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            x0[i] = (float) cleanEstimate(sample[i], modelOutput[i], a, s);
        }
        if (prev < 0) {
            return x0; // σ_prev = 0: the first-order step to the clean image is x₀ itself
        }
        double lambdaT = lambda(t);
        double h = lambda(prev) - lambdaT;
        double aPrev = schedule.signal(prev);
        double ratio = schedule.noise(prev) / s;
        double phi = -Math.expm1(-h); // 1 − e^{−h}, exact for small h
        boolean secondOrder = lastX0 != null && lastX0.length == sample.length;
        double half = secondOrder ? 0.5 * h / (lambdaT - lastLambda) : 0;
        float[] x = new float[sample.length];
        for (int i = 0; i < sample.length; i++) {
            double d = secondOrder ? x0[i] + half * (x0[i] - lastX0[i]) : x0[i];
            x[i] = (float) (ratio * sample[i] + aPrev * phi * d);
        }
        lastX0 = x0;
        lastLambda = lambdaT;
        return x;
    }
}
