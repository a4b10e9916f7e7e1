package org.synthray.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void rendersBarCountsMetricsAndEta() {
        StringWriter sw = new StringWriter();
        ProgressBar bar = new ProgressBar("train", 200, new PrintWriter(sw), false, 0);
        String line = bar.render(50, "epoch 2 loss 0.1234 40.0 img/s", 75);
        assertEquals("train [######..................]  25% 50/200 epoch 2 loss 0.1234 40.0 img/s ETA 1m15s", line);
        bar.update(200, "done", 0);
        assertTrue(sw.toString().contains("100% 200/200 done ETA 0s"));
        assertEquals("1h06m", ProgressBar.duration(3960));
    }
}
