package org.synthray.flower;

import com.google.protobuf.ByteString;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.synthray.flower.proto.Scalar;

/**
 * Java values ↔ Flower {@code Scalar}, following Python Flower's mapping: float → double,
 * int → sint64 (uint64 above {@code Long.MAX_VALUE}), bool, str, bytes.
 */
public final class Scalars {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private Scalars() {
    }

    /**
     * @param value Double/Float, Long/Integer/Short/Byte, BigInteger (0..2^64-1), Boolean, String,
     *              byte[] or ByteString
     */
    public static Scalar of(Object value) {
        Scalar.Builder b = Scalar.newBuilder();
        if (value instanceof Double || value instanceof Float) {
            return b.setDouble(((Number) value).doubleValue()).build();
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return b.setSint64(((Number) value).longValue()).build();
        }
        if (value instanceof BigInteger big) {
            if (big.bitLength() < 64) {
                return b.setSint64(big.longValue()).build();
            }
            if (big.signum() < 0 || big.compareTo(TWO_64) >= 0) {
                throw new IllegalArgumentException("integer " + big + " does not fit a Flower Scalar");
            }
            return b.setUint64(big.longValue()).build();
        }
        if (value instanceof Boolean v) {
            return b.setBool(v).build();
        }
        if (value instanceof String v) {
            return b.setString(v).build();
        }
        if (value instanceof byte[] v) {
            return b.setBytes(ByteString.copyFrom(v)).build();
        }
        if (value instanceof ByteString v) {
            return b.setBytes(v).build();
        }
        throw new IllegalArgumentException("no Flower Scalar for " + (value == null ? "null" : value.getClass().getName()));
    }

    /**
     * The Java value of a scalar: Double, Long, BigInteger (uint64 case, always, so values above
     * 2^63 stay exact), Boolean, String or ByteString.
     */
    public static Object value(Scalar s) {
        return switch (s.getScalarCase()) {
            case DOUBLE -> s.getDouble();
            case SINT64 -> s.getSint64();
            case UINT64 -> new BigInteger(Long.toUnsignedString(s.getUint64()));
            case BOOL -> s.getBool();
            case STRING -> s.getString();
            case BYTES -> s.getBytes();
            case SCALAR_NOT_SET -> null;
        };
    }

    /** A config/metrics map from Java values, in the iteration order of {@code values}. */
    public static Map<String, Scalar> map(Map<String, ?> values) {
        Map<String, Scalar> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, of(v)));
        return out;
    }

    /** Java values of a config/metrics map. */
    public static Map<String, Object> values(Map<String, Scalar> scalars) {
        Map<String, Object> out = new LinkedHashMap<>();
        scalars.forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    /** A number from a config map (double, sint64 or uint64), or {@code fallback} when absent. */
    public static double getDouble(Map<String, Scalar> config, String key, double fallback) {
        Scalar s = config.get(key);
        if (s == null) {
            return fallback;
        }
        return switch (s.getScalarCase()) {
            case DOUBLE -> s.getDouble();
            case SINT64 -> s.getSint64();
            case UINT64 -> new BigInteger(Long.toUnsignedString(s.getUint64())).doubleValue();
            default -> throw new IllegalArgumentException("config '" + key + "' is " + s.getScalarCase()
                    + ", expected a number");
        };
    }

    /** An integer from a config map, or {@code fallback} when absent. */
    public static long getLong(Map<String, Scalar> config, String key, long fallback) {
        Scalar s = config.get(key);
        if (s == null) {
            return fallback;
        }
        return switch (s.getScalarCase()) {
            case SINT64 -> s.getSint64();
            case DOUBLE -> {
                double d = s.getDouble();
                if (d != Math.rint(d)) {
                    throw new IllegalArgumentException("config '" + key + "' is " + d + ", expected an integer");
                }
                yield (long) d;
            }
            default -> throw new IllegalArgumentException("config '" + key + "' is " + s.getScalarCase()
                    + ", expected an integer");
        };
    }

    /** A string from a config map, or {@code fallback} when absent. */
    public static String getString(Map<String, Scalar> config, String key, String fallback) {
        Scalar s = config.get(key);
        if (s == null) {
            return fallback;
        }
        if (s.getScalarCase() != Scalar.ScalarCase.STRING) {
            throw new IllegalArgumentException("config '" + key + "' is " + s.getScalarCase() + ", expected a string");
        }
        return s.getString();
    }
}
