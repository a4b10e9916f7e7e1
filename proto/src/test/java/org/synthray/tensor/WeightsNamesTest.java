package org.synthray.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class WeightsNamesTest {
    @Test
    void positionalTensorsTakeTheReferenceNamesAndKeepTheirValues() {
        Weights reference = Weights.of(Tensor.ofFloats("text.embedding", new int[] {2}, new float[] {0, 0}),
                Tensor.ofFloats("unet.conv", new int[] {1, 2}, new float[] {0, 0}));
        Weights positional = Weights.of(Tensor.ofFloats("t0", new int[] {2}, new float[] {1, 2}),
                Tensor.ofFloats("t1", new int[] {1, 2}, new float[] {3, 4}));
        Weights named = positional.withNamesOf(reference);
        assertEquals(reference.names(), named.names());
        assertTrue(named.get(1).contentEquals(positional.get(1).withName("unet.conv")));
    }

    @Test
    void aShapeMismatchNamesTheTensor() {
        Weights reference = Weights.of(Tensor.ofFloats("unet.conv", new int[] {2}, new float[] {0, 0}));
        Weights other = Weights.of(Tensor.ofFloats("t0", new int[] {3}, new float[] {1, 2, 3}));
        var e = assertThrows(IllegalArgumentException.class, () -> other.withNamesOf(reference));
        assertTrue(e.getMessage().contains("unet.conv"), e.getMessage());
    }
}
