package org.synthray.coordinator.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.RestForm;

/**
 * The create-run form as typed: every field a string, so that what was typed is shown again next to
 * its error. {@link #toSpec} turns it into the run spec JSON that the REST API takes too; the run
 * service checks it.
 */
public class RunForm {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RestForm public String name = "";
    @RestForm public String model = "cpu64";
    @RestForm("initial_model") public String initialModel = "";
    @RestForm public String rounds = "3";
    @RestForm public String strategy = "fedavg";
    @RestForm public String params = "";
    @RestForm("min_sites") public String minSites = "2";
    @RestForm("fraction_fit") public String fractionFit = "1.0";
    @RestForm("join_timeout_s") public String joinTimeoutS = "600";
    @RestForm("round_timeout_s") public String roundTimeoutS = "1800";
    @RestForm("local_epochs") public String localEpochs = "1";
    @RestForm("learning_rate") public String learningRate = "0.001";
    @RestForm public String dp = "";
    @RestForm("noise_multiplier") public String noiseMultiplier = "1.0";
    @RestForm("clip_norm") public String clipNorm = "1.0";
    @RestForm public String delta = "1e-5";

    /** Field name (as the spec names it) → message, filled by {@link #toSpec} and by the service's refusal. */
    public final Map<String, String> errors = new LinkedHashMap<>();

    public boolean dpOn() {
        return dp != null && !dp.isBlank();
    }

    /** The spec JSON, or null when a field is not even a number ({@link #errors} says which). */
    String toSpec() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("name", trim(name));
        spec.put("model", trim(model));
        if (!trim(initialModel).isEmpty()) {
            spec.put("initial_model", trim(initialModel));
        }
        spec.put("rounds", integer("rounds", rounds));
        spec.put("min_sites", integer("min_sites", minSites));
        spec.put("fraction_fit", number("fraction_fit", fractionFit));
        spec.put("join_timeout_s", integer("join_timeout_s", joinTimeoutS));
        spec.put("round_timeout_s", integer("round_timeout_s", roundTimeoutS));
        spec.put("local_epochs", integer("local_epochs", localEpochs));
        spec.put("learning_rate", number("learning_rate", learningRate));
        Map<String, Object> strat = new LinkedHashMap<>();
        strat.put("name", trim(strategy));
        if (!trim(params).isEmpty()) {
            try {
                Object p = JSON.readValue(params, Object.class);
                if (p instanceof Map<?, ?>) {
                    strat.put("params", p);
                } else {
                    errors.put("params", "Write the parameters as a JSON object, e.g. {\"proximal_mu\": 0.1}.");
                }
            } catch (JsonProcessingException e) {
                errors.put("params", "Not valid JSON: " + e.getOriginalMessage());
            }
        }
        if (dpOn()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("noise_multiplier", number("noise_multiplier", noiseMultiplier));
            d.put("clip_norm", number("clip_norm", clipNorm));
            d.put("delta", number("delta", delta));
            strat.put("dp", d);
        }
        spec.put("strategy", strat);
        if (!errors.isEmpty()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Long integer(String field, String s) {
        try {
            return Long.parseLong(trim(s));
        } catch (NumberFormatException e) {
            errors.put(field, "Enter a whole number.");
            return null;
        }
    }

    private Double number(String field, String s) {
        try {
            double d = Double.parseDouble(trim(s));
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            errors.put(field, "Enter a number, e.g. 0.5 or 1e-5.");
            return null;
        }
    }

    private static String trim(String s) {
        return s == null ? "" : s.strip();
    }

    /** Puts a service refusal next to the field it is about ({@code strategy} when it names none). */
    void refusal(String field, String message) {
        errors.merge(field, message, (a, b) -> a + " " + b);
    }

    /** The field a strategy or DP refusal is about, from its wording. */
    static String fieldOf(String message) {
        for (String f : new String[] {"noise_multiplier", "clip_norm", "delta", "initial_model"}) {
            if (message.contains(f)) {
                return f;
            }
        }
        return message.contains("strategy.params") || message.contains("parameter") ? "params" : "strategy";
    }
}
