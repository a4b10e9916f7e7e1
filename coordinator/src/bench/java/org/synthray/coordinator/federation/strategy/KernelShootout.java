package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.synthray.tensor.Weights;

/**
 * The FedAvg inner-loop variants and a plain copy, run round-robin in one JVM so that load from other
 * processes on a shared machine hits them all alike; prints the best and median time per update pass.
 * Arguments: {@code modelMb tensorMb cycles heap|direct}.
 */
public final class KernelShootout {
    private KernelShootout() {
    }

    public static void main(String[] args) {
        int modelMb = Integer.parseInt(args[0]);
        int tensorMb = Integer.parseInt(args[1]);
        int cycles = Integer.parseInt(args[2]);
        boolean direct = args.length > 3 && args[3].equals("direct");
        Weights w = BenchModels.model(modelMb, tensorMb, direct, 1);
        int n = w.size();
        ByteBuffer[] accBuf = new ByteBuffer[n];
        float[][] acc = new float[n][];
        byte[][] copy = new byte[n][];
        for (int i = 0; i < n; i++) {
            accBuf[i] = TensorValues.allocate(w.get(i));
            acc[i] = new float[(int) w.get(i).elementCount()];
            copy[i] = new byte[w.get(i).byteSize()];
        }
        float[] x = new float[TensorValues.CHUNK];
        float[] a = new float[TensorValues.CHUNK];
        Map<String, Runnable> variants = new LinkedHashMap<>();
        variants.put("plain copy", () -> {
            for (int i = 0; i < n; i++) {
                ByteBuffer b = w.get(i).data();
                b.get(copy[i], 0, b.remaining());
            }
        });
        variants.put("in-place buffer, getFloat/putFloat, fma (production)", () -> {
            for (int i = 0; i < n; i++) {
                WeightedSum.addFloat32(accBuf[i], w.get(i).data(), 0.5f);
            }
        });
        variants.put("in-place buffer, chunks copied to float[], fma", () -> {
            for (int i = 0; i < n; i++) {
                FloatBuffer s = accBuf[i].asFloatBuffer();
                FloatBuffer src = w.get(i).data().asFloatBuffer();
                for (int off = 0; off < s.limit(); off += x.length) {
                    int len = Math.min(x.length, s.limit() - off);
                    src.get(off, x, 0, len);
                    s.get(off, a, 0, len);
                    for (int j = 0; j < len; j++) {
                        a[j] = Math.fma(0.5f, x[j], a[j]);
                    }
                    s.put(off, a, 0, len);
                }
            }
        });
        variants.put("in-place buffer, FloatBuffer views per element", () -> {
            for (int i = 0; i < n; i++) {
                FloatBuffer s = accBuf[i].asFloatBuffer();
                FloatBuffer src = w.get(i).data().asFloatBuffer();
                int len = s.limit();
                for (int j = 0; j < len; j++) {
                    s.put(j, s.get(j) + 0.5f * src.get(j));
                }
            }
        });
        variants.put("float[], getFloat per element, fma", () -> {
            for (int i = 0; i < n; i++) {
                float[] s = acc[i];
                ByteBuffer src = w.get(i).data();
                for (int j = 0; j < s.length; j++) {
                    s[j] = Math.fma(0.5f, src.getFloat(j << 2), s[j]);
                }
            }
        });
        variants.put("float[], chunked fma", () -> {
            for (int i = 0; i < n; i++) {
                float[] s = acc[i];
                FloatBuffer src = w.get(i).data().asFloatBuffer();
                for (int off = 0; off < s.length; off += x.length) {
                    int len = Math.min(x.length, s.length - off);
                    src.get(off, x, 0, len);
                    for (int j = 0; j < len; j++) {
                        s[off + j] = Math.fma(0.5f, x[j], s[off + j]);
                    }
                }
            }
        });
        variants.put("float[], chunked mul+add", () -> {
            for (int i = 0; i < n; i++) {
                float[] s = acc[i];
                FloatBuffer src = w.get(i).data().asFloatBuffer();
                for (int off = 0; off < s.length; off += x.length) {
                    int len = Math.min(x.length, s.length - off);
                    src.get(off, x, 0, len);
                    for (int j = 0; j < len; j++) {
                        s[off + j] += 0.5f * x[j];
                    }
                }
            }
        });
        variants.put("float[], ByteBuffer.getFloat per element", () -> {
            for (int i = 0; i < n; i++) {
                float[] s = acc[i];
                ByteBuffer src = w.get(i).data();
                for (int j = 0; j < s.length; j++) {
                    s[j] += 0.5f * src.getFloat(j << 2);
                }
            }
        });
        variants.put("float[], FloatBuffer.get per element", () -> {
            for (int i = 0; i < n; i++) {
                float[] s = acc[i];
                FloatBuffer src = w.get(i).data().asFloatBuffer();
                for (int j = 0; j < s.length; j++) {
                    s[j] += 0.5f * src.get(j);
                }
            }
        });
        Map<String, double[]> times = new LinkedHashMap<>();
        variants.keySet().forEach(k -> times.put(k, new double[cycles]));
        for (int c = -3; c < cycles; c++) { // three warm-up cycles
            for (Map.Entry<String, Runnable> v : variants.entrySet()) {
                long t0 = System.nanoTime();
                v.getValue().run();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (c >= 0) {
                    times.get(v.getKey())[c] = ms;
                }
            }
        }
        double bytes = (double) modelMb * (1 << 20);
        double copyBest = Arrays.stream(times.get("plain copy")).min().orElseThrow();
        System.out.printf(Locale.ROOT, "%d MiB float32 model (%s updates), %d cycles; ms per update pass%n", modelMb,
                direct ? "direct" : "heap", cycles);
        times.forEach((k, t) -> {
            double[] s = t.clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-45s best %7.1f  median %7.1f  best GB/s %5.2f  best vs copy %4.0f%%%n", k,
                    s[0], s[s.length / 2], bytes / s[0] / 1e6, 100 * copyBest / s[0]);
        });
    }
}
