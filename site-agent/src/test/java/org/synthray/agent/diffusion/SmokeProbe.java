package org.synthray.agent.diffusion;

import org.synthray.agent.text.ByteBpeTokenizer;
import org.synthray.agent.text.PromptTokens;

public class SmokeProbe {
    public static void main(String[] a) {
        ModelConfig cfg = ModelConfig.named(a[0]);
        int b = Integer.parseInt(a[1]);
        long t0 = System.nanoTime();
        try (DiffusionModel m = DiffusionModel.create(cfg, 1)) {
            System.out.println(m.describe() + " build " + (System.nanoTime() - t0) / 1e9);
            int s = cfg.imageSize();
            java.util.Random r = new java.util.Random(0);
            float[] x = new float[b * s * s];
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.01);
            ByteBpeTokenizer tok = ByteBpeTokenizer.bytesOnly();
            int[][] enc = new int[b][];
            for (int i = 0; i < b; i++) enc[i] = tok.encode("pa chest x-ray");
            PromptTokens pt = PromptTokens.of(enc, cfg.text());
            int[] ts = new int[b];
            for (int step = 0; step < Integer.parseInt(a[2]); step++) {
                float[] n = new float[x.length];
                for (int i = 0; i < n.length; i++) n[i] = (float) r.nextGaussian();
                for (int i = 0; i < b; i++) ts[i] = r.nextInt(1000);
                long s0 = System.nanoTime();
                var res = m.trainStep(x, n, ts, pt, cfg.learningRate(), 0);
                double dt = (System.nanoTime() - s0) / 1e9;
                System.out.printf("step %d loss %.4f %.3fs %.1f img/s%n", step, res.loss(), dt, b / dt);
            }
        }
    }
}
