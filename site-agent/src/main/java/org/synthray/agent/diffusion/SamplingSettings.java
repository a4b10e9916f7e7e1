package org.synthray.agent.diffusion;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How to sample: which scheduler, how many steps, how much classifier-free guidance. An image is a
 * function of (weights, prompt, seed, settings) alone.
 *
 * @param scheduler the scheduler kind
 * @param steps     denoising steps = model calls per image (1..timesteps)
 * @param guidance  classifier-free guidance scale (1 = conditional only, no unconditional pass)
 */
public record SamplingSettings(Kind scheduler, int steps, double guidance) {
    /** The default scheduler: DPM-Solver++(2M) at 20 steps (see docs/model.md for the measurements). */
    public static final Kind DEFAULT_SCHEDULER = Kind.DPMPP_2M;
    public static final double DEFAULT_GUIDANCE = 3.0;

    /** The schedulers, by the name users type. */
    public enum Kind {
        DDIM("ddim", 50),
        DPMPP_2M("dpm++2m", 20);

        private final String id;
        private final int defaultSteps;

        Kind(String id, int defaultSteps) {
            this.id = id;
            this.defaultSteps = defaultSteps;
        }

        public String id() {
            return id;
        }

        /** Steps that reach this scheduler's full quality with the shipped models. */
        public int defaultSteps() {
            return defaultSteps;
        }

        /** A fresh scheduler for a model's noise schedule and prediction type. */
        public Scheduler create(NoiseSchedule schedule, String prediction) {
            return switch (this) {
                case DDIM -> new DdimScheduler(schedule, prediction);
                case DPMPP_2M -> new DpmSolverScheduler(schedule, prediction);
            };
        }

        /** @throws IllegalArgumentException naming the known schedulers */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.id.equals(name.strip().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown scheduler '" + name + "' (available: "
                    + Arrays.stream(values()).map(Kind::id).collect(Collectors.joining(", ")) + ")");
        }
    }

    public SamplingSettings {
        if (scheduler == null) {
            throw new IllegalArgumentException("a scheduler is required");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("sampling needs at least 1 step, got " + steps);
        }
        if (!(guidance >= 0) || guidance > 50) {
            throw new IllegalArgumentException("guidance scale must be between 0 and 50, got " + guidance);
        }
    }

    /** DDIM with the given steps and guidance. */
    public static SamplingSettings ddim(int steps, double guidance) {
        return new SamplingSettings(Kind.DDIM, steps, guidance);
    }

    /** The default scheduler at its default steps and guidance 3. */
    public static SamplingSettings defaults() {
        return new SamplingSettings(DEFAULT_SCHEDULER, DEFAULT_SCHEDULER.defaultSteps(), DEFAULT_GUIDANCE);
    }

    /** A scheduler for {@code model}, its timesteps already set. */
    public Scheduler schedulerFor(DiffusionModel model) {
        Scheduler s = scheduler.create(model.schedule(), model.config().prediction());
        s.setTimesteps(steps);
        return s;
    }

    /** "dpm++2m, 20 steps, guidance 3.0": for logs and reports. */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %d steps, guidance %.1f", scheduler.id(), steps, guidance);
    }
}
