package org.synthray.coordinator.federation.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/** Small models and updates for strategy tests. */
final class Fixtures {
    private Fixtures() {
    }

    static Tensor f32(String name, float... values) {
        return Tensor.ofFloats(name, new int[] {values.length}, values);
    }

    static Tensor f64(String name, double... values) {
        return Tensor.ofDoubles(name, new int[] {values.length}, values);
    }

    static Tensor typed(String name, DType dtype, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case INT64 -> b.putLong(i * 8, (long) values[i]);
                case INT32 -> b.putInt(i * 4, (int) values[i]);
                case UINT8 -> b.put(i, (byte) values[i]);
                case BOOL -> b.put(i, (byte) (values[i] != 0 ? 1 : 0));
                case FLOAT16 -> b.putShort(i * 2, org.synthray.tensor.Float16.fromFloat((float) values[i]));
                case FLOAT32 -> b.putFloat(i * 4, (float) values[i]);
                case FLOAT64 -> b.putDouble(i * 8, values[i]);
            }
        }
        return new Tensor(name, dtype, new int[] {values.length}, b);
    }

    static Weights model(Tensor... tensors) {
        return Weights.of(tensors);
    }

    /** A one-tensor float32 model named {@code w}. */
    static Weights vector(float... values) {
        return Weights.of(f32("w", values));
    }

    static ClientUpdate update(String site, long examples, Weights w) {
        return new ClientUpdate(site, w, examples, Map.of());
    }

    static Weights aggregate(UpdateAggregator agg, List<ClientUpdate> updates) {
        try (agg) {
            for (ClientUpdate u : updates) {
                agg.add(u);
            }
            assertEquals(updates.size(), agg.count());
            return agg.result();
        }
    }

    static void assertValues(double[] expected, Tensor actual, double tolerance) {
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, actual.name() + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], tolerance, actual.name() + "[" + i + "]");
        }
    }
}
