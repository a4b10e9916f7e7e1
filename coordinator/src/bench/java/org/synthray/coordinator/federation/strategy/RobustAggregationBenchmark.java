package org.synthray.coordinator.federation.strategy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
 * A whole round of a robust strategy, spilling to {@code java.io.tmpdir}: every update written to
 * disk as it is added, then the statistic read back chunk by chunk, files deleted. Score: seconds per
 * round of 10 updates of {@code modelMb} MiB; GB/s of updates is {@code 10 · modelMb · 2^20 / 10^9 / score}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g"})
@State(Scope.Benchmark)
public class RobustAggregationBenchmark {
    @Param("100")
    int modelMb;
    @Param("8")
    int tensorMb;
    @Param({"fedmedian", "fedtrimmedavg", "krum"})
    String strategy;

    private List<ClientUpdate> updates;
    private Weights template;
    private StrategyContext ctx;

    @Setup(Level.Trial)
    public void setUp() {
        updates = BenchModels.updates(10, 2, modelMb, tensorMb, true);
        template = updates.get(0).weights();
        ctx = StrategyContext.simple(1, 0).withSpillDirectory(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @Benchmark
    public Weights round() {
        StrategySpec spec = strategy.equals("krum") ? StrategySpec.of("krum", java.util.Map.of("f", 2))
                : StrategySpec.of(strategy);
        try (UpdateAggregator agg = Strategies.create(spec, ctx).aggregator(1, template)) {
            for (ClientUpdate u : updates) {
                agg.add(u);
            }
            return agg.result();
        }
    }
}
