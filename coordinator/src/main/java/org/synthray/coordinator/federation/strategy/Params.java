package org.synthray.coordinator.federation.strategy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one section of a strategy spec ({@code strategy.params} or {@code strategy.dp}): refuses keys
 * the strategy does not know and values of the wrong kind or out of range, naming the parameter.
 */
final class Params {
    private final String section;
    private final String owner;
    private final Map<String, Object> values = new LinkedHashMap<>();

    /**
     * @param known the parameter names, each optionally followed by {@code |alias} (Flower's spelling)
     */
    Params(String section, String owner, Map<String, Object> given, String... known) {
        this.section = section;
        this.owner = owner;
        Map<String, String> canonical = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (String k : known) {
            String[] parts = k.split("\\|");
            names.add(parts[0]);
            for (String p : parts) {
                canonical.put(p, parts[0]);
            }
        }
        for (Map.Entry<String, Object> e : given.entrySet()) {
            String c = canonical.get(e.getKey());
            if (c == null) {
                throw new IllegalArgumentException("unknown parameter '" + section + "." + e.getKey() + "' for " + owner
                        + (names.isEmpty() ? " (it takes none)" : " (known: " + String.join(", ", names) + ")"));
            }
            if (values.containsKey(c)) {
                throw new IllegalArgumentException(section + "." + c + " is given twice (as '" + c + "' and its alias)");
            }
            values.put(c, e.getValue());
        }
    }

    boolean has(String key) {
        return values.containsKey(key) && values.get(key) != null;
    }

    /** A finite number in the range that {@code check} accepts, described by {@code range} (e.g. "> 0"). */
    double number(String key, double fallback, java.util.function.DoublePredicate check, String range) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        double d = toDouble(key, v);
        if (!Double.isFinite(d) || !check.test(d)) {
            throw new IllegalArgumentException(section + "." + key + " must be " + range + ", got " + v);
        }
        return d;
    }

    Double optionalNumber(String key, java.util.function.DoublePredicate check, String range) {
        return has(key) ? number(key, Double.NaN, check, range) : null;
    }

    int integer(String key, Integer fallback, int min) {
        Object v = values.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new IllegalArgumentException(section + "." + key + " is required for " + owner);
            }
            return fallback;
        }
        double d = toDouble(key, v);
        if (d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(section + "." + key + " must be a whole number >= " + min + ", got " + v);
        }
        return (int) d;
    }

    boolean bool(String key, boolean fallback) {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException(section + "." + key + " must be true or false, got " + describe(v));
        }
        return b;
    }

    private double toDouble(String key, Object v) {
        if (v instanceof Double || v instanceof Float || v instanceof Integer || v instanceof Long
                || v instanceof Short || v instanceof Byte || v instanceof BigDecimal || v instanceof BigInteger) {
            return ((Number) v).doubleValue();
        }
        throw new IllegalArgumentException(section + "." + key + " must be a number, got " + describe(v));
    }

    private static String describe(Object v) {
        return v instanceof String s ? "the string \"" + s + "\"" : String.valueOf(v);
    }
}
