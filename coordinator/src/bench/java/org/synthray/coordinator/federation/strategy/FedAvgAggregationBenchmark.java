package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.Weights;

/**
 * FedAvg aggregation throughput: a whole round (fresh accumulator, {@code sites} updates of
 * {@code modelMb} MiB, the result model) next to a plain copy of the same update bytes into a heap
 * array in the same JVM. Scores are milliseconds per update (one model's bytes); throughput in GB/s
 * is {@code modelMb · 2^20 / 10^6 / score}. The kernel variants fold one update into a standing
 * accumulator, to compare inner loops on equal terms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:MaxDirectMemorySize=3g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class FedAvgAggregationBenchmark {
    @Param("500")
    int modelMb;
    @Param("8")
    int tensorMb;
    /** Sites per round (fixed: the scores are per update through {@code @OperationsPerInvocation}). */
    static final int SITES = 10;
    /** Where the updates live: {@code direct} (off-heap) or {@code heap} (read-only heap buffers, as decoded from gRPC). */
    @Param({"heap", "direct"})
    String source;

    private List<ClientUpdate> updates;
    private Weights template;
    private byte[][] copyTarget;
    private float[][] standing;
    private ByteBuffer[] standingBuffers;
    private final float[] chunk = new float[TensorValues.CHUNK];

    @Setup(Level.Trial)
    public void setUp() {
        // Two distinct updates stand for all sites: 2 models off-heap (or on heap) whatever the site count.
        updates = BenchModels.updates(SITES, 2, modelMb, tensorMb, source.equals("direct"));
        template = updates.get(0).weights();
        copyTarget = new byte[template.size()][];
        standing = new float[template.size()][];
        standingBuffers = new ByteBuffer[template.size()];
        for (int i = 0; i < template.size(); i++) {
            copyTarget[i] = new byte[template.get(i).byteSize()];
            standing[i] = new float[(int) template.get(i).elementCount()];
            standingBuffers[i] = TensorValues.allocate(template.get(i));
        }
    }

    @Benchmark
    @OperationsPerInvocation(10)
    public Weights fedAvgRound() {
        UpdateAggregator agg = new FedAvg(StrategyContext.simple(1, 0)).aggregator(1, template);
        for (ClientUpdate u : updates) {
            agg.add(u);
        }
        return agg.result();
    }

    /**
     * The reference: every update's bytes copied once into model-sized heap arrays (a bulk get is one
     * memory move), so source and destination both stream from and to memory, as the aggregator's do.
     */
    @Benchmark
    @OperationsPerInvocation(10)
    public byte[][] plainCopy() {
        for (ClientUpdate u : updates) {
            Weights w = u.weights();
            for (int i = 0; i < copyTarget.length; i++) {
                ByteBuffer b = w.get(i).data();
                b.get(copyTarget[i], 0, b.remaining());
            }
        }
        return copyTarget;
    }

    /** Production kernel: getFloat/putFloat with Math.fma straight on the accumulator's buffer. */
    @Benchmark
    public ByteBuffer[] kernelInPlaceFma() {
        Weights w = updates.get(0).weights();
        for (int i = 0; i < standingBuffers.length; i++) {
            WeightedSum.addFloat32(standingBuffers[i], w.get(i).data(), 0.5f);
        }
        return standingBuffers;
    }

    /** float[] accumulator: update chunk copied into a float[], then acc[j] += c·x[j]. */
    @Benchmark
    public float[][] kernelChunkedAxpy() {
        Weights w = updates.get(0).weights();
        for (int i = 0; i < standing.length; i++) {
            float[] acc = standing[i];
            FloatBuffer src = w.get(i).data().asFloatBuffer();
            for (int off = 0; off < acc.length; off += chunk.length) {
                int len = Math.min(chunk.length, acc.length - off);
                src.get(off, chunk, 0, len);
                for (int j = 0; j < len; j++) {
                    acc[off + j] += 0.5f * chunk[j];
                }
            }
        }
        return standing;
    }

    /** float[] accumulator, Math.fma in the loop. */
    @Benchmark
    public float[][] kernelChunkedFma() {
        Weights w = updates.get(0).weights();
        for (int i = 0; i < standing.length; i++) {
            float[] acc = standing[i];
            FloatBuffer src = w.get(i).data().asFloatBuffer();
            for (int off = 0; off < acc.length; off += chunk.length) {
                int len = Math.min(chunk.length, acc.length - off);
                src.get(off, chunk, 0, len);
                for (int j = 0; j < len; j++) {
                    acc[off + j] = Math.fma(0.5f, chunk[j], acc[off + j]);
                }
            }
        }
        return standing;
    }

    /** No copy: the FloatBuffer read element by element. */
    @Benchmark
    public float[][] kernelPerElementFloatBuffer() {
        Weights w = updates.get(0).weights();
        for (int i = 0; i < standing.length; i++) {
            float[] acc = standing[i];
            FloatBuffer src = w.get(i).data().asFloatBuffer();
            for (int j = 0; j < acc.length; j++) {
                acc[j] += 0.5f * src.get(j);
            }
        }
        return standing;
    }

    /** No copy: ByteBuffer.getFloat element by element. */
    @Benchmark
    public float[][] kernelPerElementGetFloat() {
        Weights w = updates.get(0).weights();
        for (int i = 0; i < standing.length; i++) {
            float[] acc = standing[i];
            ByteBuffer src = w.get(i).data();
            for (int j = 0; j < acc.length; j++) {
                acc[j] += 0.5f * src.getFloat(j << 2);
            }
        }
        return standing;
    }

    /** The reference for the kernels: one update's bytes copied once. */
    @Benchmark
    public byte[][] kernelPlainCopy() {
        Weights w = updates.get(0).weights();
        for (int i = 0; i < copyTarget.length; i++) {
            ByteBuffer b = w.get(i).data();
            b.get(copyTarget[i], 0, b.remaining());
        }
        return copyTarget;
    }
}
