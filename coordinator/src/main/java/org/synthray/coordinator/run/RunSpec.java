package org.synthray.coordinator.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.flower.Keys;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;

/**
 * What an admin asks for when creating a run, as JSON:
 * <pre>{@code
 * {"name": "nih-fedprox", "model": "probe", "rounds": 5,
 *  "strategy": {"name": "fedprox", "params": {"proximal_mu": 0.1}},
 *  "min_sites": 2, "fraction_fit": 1.0, "round_timeout_s": 600,
 *  "local_epochs": 1, "learning_rate": 0.002, "config": {"batch_size": 16}}
 * }</pre>
 */
public record RunSpec(
        String name,
        String model,
        @JsonProperty("initial_model") String initialModel,
        Integer rounds,
        StrategySection strategy,
        @JsonProperty("min_sites") Integer minSites,
        @JsonProperty("fraction_fit") Double fractionFit,
        @JsonProperty("fraction_evaluate") Double fractionEvaluate,
        @JsonProperty("join_timeout_s") Long joinTimeoutS,
        @JsonProperty("round_timeout_s") Long roundTimeoutS,
        @JsonProperty("round_retries") Integer roundRetries,
        @JsonProperty("local_epochs") Integer localEpochs,
        @JsonProperty("local_steps") Integer localSteps,
        @JsonProperty("learning_rate") Double learningRate,
        Long seed,
        Map<String, Object> config) {

    /** One thing wrong with a spec: the field (as the JSON names it, e.g. {@code min_sites}) and what is wrong. */
    public record Problem(String field, String message) {
    }

    /** A spec with one or more problems; the message lists them all, {@link #problems()} by field. */
    public static final class InvalidRunSpecException extends IllegalArgumentException {
        private final transient List<Problem> problems;

        InvalidRunSpecException(List<Problem> problems) {
            super("invalid run spec: " + String.join("; ", problems.stream().map(Problem::message).toList()));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }
    }

    /** {@code {"name": ..., "params": {...}, "dp": {...}}}. */
    public record StrategySection(String name, Map<String, Object> params, Map<String, Object> dp) {
    }

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // "rounds": 2.5 is a mistake to report, not a 2 to run.
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /**
     * Longest spec accepted (characters): a spec is a few hundred; the database column holds
     * 1,000,000, and a longer one must be a clear refusal, not a failed insert.
     */
    public static final int MAX_SPEC_CHARS = 65_536;

    /**
     * Parses and checks a spec, filling defaults.
     *
     * @throws IllegalArgumentException listing every problem found
     */
    public static RunSpec parse(String json) {
        if (json != null && json.length() > MAX_SPEC_CHARS) {
            throw new IllegalArgumentException("run spec of " + json.length() + " characters is longer than the "
                    + MAX_SPEC_CHARS + " accepted");
        }
        RunSpec raw;
        try {
            raw = STRICT.readValue(json, RunSpec.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("unknown field '" + e.getPropertyName() + "' in run spec (known: "
                    + e.getKnownPropertyIds() + ")");
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(java.util.stream.Collectors.joining("."));
            throw new IllegalArgumentException("run spec field '" + field + "' has the wrong type: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("run spec is not valid JSON: " + e.getOriginalMessage());
        }
        if (raw == null) {
            throw new IllegalArgumentException("run spec is empty");
        }
        return raw.withDefaults().validated();
    }

    public String toJson() {
        try {
            return STRICT.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    RunSpec withDefaults() {
        return new RunSpec(
                name != null ? name : "run",
                model != null ? model : "probe",
                initialModel,
                rounds != null ? rounds : 3,
                strategy != null ? strategy : new StrategySection("fedavg", Map.of(), null),
                minSites != null ? minSites : 2,
                fractionFit != null ? fractionFit : 1.0,
                fractionEvaluate != null ? fractionEvaluate : 1.0,
                joinTimeoutS != null ? joinTimeoutS : 600,
                roundTimeoutS != null ? roundTimeoutS : 1800,
                roundRetries != null ? roundRetries : 1,
                localEpochs != null ? localEpochs : 1,
                localSteps,
                learningRate != null ? learningRate : 1e-3,
                seed != null ? seed : 0L,
                config != null ? config : Map.of());
    }

    RunSpec validated() {
        List<Problem> problems = new ArrayList<>();
        if (name.isBlank() || name.length() > 200) {
            problems.add(new Problem("name", "name must be 1-200 characters"));
        }
        if (!model.matches("[A-Za-z0-9._-]{1,60}")) {
            problems.add(new Problem("model", "model must be a config name (letters, digits, '.', '_', '-')"));
        }
        if (initialModel != null && !initialModel.matches("[0-9a-f]{64}")) {
            problems.add(new Problem("initial_model", "initial_model must be the SHA-256 of an uploaded model (64 lowercase hex digits)"));
        }
        if (rounds < 1 || rounds > 100_000) {
            problems.add(new Problem("rounds", "rounds must be between 1 and 100000, got " + rounds));
        }
        if (strategy.name() == null || strategy.name().isBlank()) {
            problems.add(new Problem("strategy.name", "strategy.name is required (e.g. fedavg)"));
        }
        if (minSites < 1 || minSites > 100_000) {
            problems.add(new Problem("min_sites", "min_sites must be between 1 and 100000, got " + minSites));
        }
        if (!(fractionFit > 0 && fractionFit <= 1)) {
            problems.add(new Problem("fraction_fit", "fraction_fit must be in (0, 1], got " + fractionFit));
        }
        if (!(fractionEvaluate >= 0 && fractionEvaluate <= 1)) {
            problems.add(new Problem("fraction_evaluate", "fraction_evaluate must be in [0, 1], got " + fractionEvaluate));
        }
        if (joinTimeoutS < 1) {
            problems.add(new Problem("join_timeout_s", "join_timeout_s must be at least 1, got " + joinTimeoutS));
        }
        if (roundTimeoutS < 1) {
            problems.add(new Problem("round_timeout_s", "round_timeout_s must be at least 1, got " + roundTimeoutS));
        }
        if (roundRetries < 0 || roundRetries > 100) {
            problems.add(new Problem("round_retries", "round_retries must be between 0 and 100, got " + roundRetries));
        }
        if (localEpochs < 0) {
            problems.add(new Problem("local_epochs", "local_epochs must not be negative, got " + localEpochs));
        }
        if (localSteps != null && localSteps < 1) {
            problems.add(new Problem("local_steps", "local_steps must be at least 1, got " + localSteps));
        }
        if (!(learningRate > 0) || learningRate.isInfinite()) {
            problems.add(new Problem("learning_rate", "learning_rate must be a positive number, got " + learningRate));
        }
        for (Map.Entry<String, Object> e : config.entrySet()) {
            try {
                Scalars.of(e.getValue() instanceof Integer i ? (Object) i.longValue() : e.getValue());
            } catch (IllegalArgumentException ex) {
                problems.add(new Problem("config", "config." + e.getKey() + " must be a number, boolean or string"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRunSpecException(problems);
        }
        return this;
    }

    /** The config every FitIns of this run carries, before the strategy adds its own keys. */
    public Map<String, Scalar> fitConfig(int round) {
        Map<String, Scalar> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put(k, Scalars.of(v instanceof Integer i ? (Object) i.longValue() : v)));
        out.put(Keys.MODEL_CONFIG, Scalars.of(model));
        out.put(Keys.LR, Scalars.of(learningRate));
        out.put(Keys.LOCAL_EPOCHS, Scalars.of((long) localEpochs));
        if (localSteps != null) {
            out.put(Keys.LOCAL_STEPS, Scalars.of((long) localSteps));
        }
        out.put(Keys.SERVER_ROUND, Scalars.of((long) round));
        return out;
    }

    /** The config every EvaluateIns carries. */
    public Map<String, Scalar> evaluateConfig(int round) {
        Map<String, Scalar> out = new LinkedHashMap<>();
        out.put(Keys.MODEL_CONFIG, Scalars.of(model));
        out.put(Keys.SERVER_ROUND, Scalars.of((long) round));
        return out;
    }
}
