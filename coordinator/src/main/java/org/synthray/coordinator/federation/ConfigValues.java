package org.synthray.coordinator.federation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;

/** Turns text config values from properties files into typed Flower scalars. */
final class ConfigValues {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][+-]?\\d+)?");

    private ConfigValues() {
    }

    /** Sorted by key, so the config a client sees does not depend on map iteration order. */
    static Map<String, Scalar> typed(Map<String, String> text) {
        Map<String, Scalar> out = new LinkedHashMap<>();
        new TreeMap<>(text).forEach((k, v) -> out.put(k, Scalars.of(parse(v))));
        return out;
    }

    static Object parse(String v) {
        String s = v.strip();
        if (INTEGER.matcher(s).matches()) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return new java.math.BigInteger(s);
            }
        }
        if (DECIMAL.matcher(s).matches()) {
            return Double.parseDouble(s);
        }
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(s);
        }
        return v;
    }
}
