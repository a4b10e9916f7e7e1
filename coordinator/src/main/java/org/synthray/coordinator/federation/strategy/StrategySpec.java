package org.synthray.coordinator.federation.strategy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strategy as a run spec names it, JSON-friendly:
 * <pre>{@code
 * {"name": "fedadam", "params": {"eta": 0.01, "beta1": 0.9},
 *  "dp": {"noise_multiplier": 1.0, "clip_norm": 1.0, "adaptive": true, "target_quantile": 0.5, "delta": 1e-5}}
 * }</pre>
 * {@code params} and {@code dp} may be absent; values are what a JSON parser produces (numbers,
 * booleans). {@link Strategies#create} checks everything and says what is wrong.
 *
 * @param name   the strategy (see {@link Strategies#NAMES})
 * @param params its parameters; null or empty for the defaults
 * @param dp     differential-privacy settings, or null for none
 */
public record StrategySpec(String name, Map<String, Object> params, Map<String, Object> dp) {

    public StrategySpec {
        params = params == null ? Map.of() : copy(params);
        dp = dp == null ? null : copy(dp);
    }

    private static Map<String, Object> copy(Map<String, Object> m) {
        // Keeps the given order (for messages) and, unlike Map.copyOf, null values, which mean "default".
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k == null) {
                throw new IllegalArgumentException("strategy parameter names must not be null");
            }
            out.put(k, v);
        });
        return java.util.Collections.unmodifiableMap(out);
    }

    /** A strategy with default parameters and no differential privacy. */
    public static StrategySpec of(String name) {
        return new StrategySpec(name, Map.of(), null);
    }

    public static StrategySpec of(String name, Map<String, Object> params) {
        return new StrategySpec(name, params, null);
    }

    public StrategySpec withDp(Map<String, Object> dp) {
        return new StrategySpec(name, params, dp);
    }

    /**
     * From a parsed JSON object ({@code name}, {@code params}, {@code dp}).
     *
     * @throws IllegalArgumentException for other keys or values of the wrong kind
     */
    @SuppressWarnings("unchecked")
    public static StrategySpec fromMap(Map<String, Object> json) {
        for (String k : json.keySet()) {
            if (!Set.of("name", "params", "dp").contains(k)) {
                throw new IllegalArgumentException("unknown field 'strategy." + k + "' (known: name, params, dp)");
            }
        }
        Object name = json.get("name");
        if (name != null && !(name instanceof String)) {
            throw new IllegalArgumentException("strategy.name must be a string, got " + name);
        }
        Object params = json.get("params");
        Object dp = json.get("dp");
        for (Map.Entry<String, Object> e : List.of(Map.entry("params", params == null ? Map.of() : params),
                Map.entry("dp", dp == null ? Map.of() : dp))) {
            if (!(e.getValue() instanceof Map)) {
                throw new IllegalArgumentException("strategy." + e.getKey() + " must be an object, got " + e.getValue());
            }
        }
        return new StrategySpec((String) name, (Map<String, Object>) params, (Map<String, Object>) dp);
    }
}
