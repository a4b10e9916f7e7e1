package org.synthray.agent.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DdimSamplerTest {
    @Test
    void visitsEvenlySpacedTimestepsFromTheLastToZero() {
        int[] ts = new DdimSampler(50, 3).timesteps(1000);
        assertEquals(50, ts.length);
        assertEquals(999, ts[0]);
        assertEquals(0, ts[49]);
        for (int i = 1; i < ts.length; i++) {
            assertTrue(ts[i] < ts[i - 1]);
        }
    }

    @Test
    void cosineScheduleGoesFromCleanToNoise() {
        NoiseSchedule s = new NoiseSchedule(1000);
        assertTrue(s.alphaBar(0) > 0.999);
        assertTrue(s.alphaBar(999) < 1e-3);
        for (int t = 1; t < 1000; t++) {
            assertTrue(s.alphaBar(t) < s.alphaBar(t - 1));
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DdimSampler(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new DdimSampler(10, -1));
        var e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.named("gpu512"));
        assertTrue(e.getMessage().contains("tiny"), e.getMessage());
    }
}
