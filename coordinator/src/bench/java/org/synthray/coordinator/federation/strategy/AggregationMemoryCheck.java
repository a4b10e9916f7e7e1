package org.synthray.coordinator.federation.strategy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.Weights;

/**
 * Peak heap of one FedAvg round, for several site counts. Run it in a JVM whose {@code -Xmx} is the
 * limit to prove (e.g. twice the model plus a little): finishing at all shows the round's live heap
 * never exceeded it; the printed peak (the sum of the heap pools' peaks since the round started, an
 * upper bound as pools peak at different moments) says by how much. Updates are off-heap, so what is
 * measured is the aggregator: accumulator, chunk buffer and result.
 *
 * <p>Arguments: {@code modelMb tensorMb sites[,sites…] [strategy]}, e.g. {@code 500 8 10,50 fedavg}.
 */
public final class AggregationMemoryCheck {
    private AggregationMemoryCheck() {
    }

    public static void main(String[] args) {
        int modelMb = Integer.parseInt(args[0]);
        int tensorMb = Integer.parseInt(args[1]);
        String strategy = args.length > 3 ? args[3] : "fedavg";
        long max = Runtime.getRuntime().maxMemory();
        System.out.printf(Locale.ROOT, "model %d MiB in %d MiB tensors, strategy %s, -Xmx %d MiB (%.2f x model)%n",
                modelMb, tensorMb, strategy, max >> 20, (double) max / ((long) modelMb << 20));
        for (String s : args[2].split(",")) {
            int sites = Integer.parseInt(s);
            List<ClientUpdate> updates = BenchModels.updates(sites, 2, modelMb, tensorMb, true);
            Weights template = updates.get(0).weights();
            System.gc();
            long baseline = heapUsed();
            resetPeaks();
            long t0 = System.nanoTime();
            UpdateAggregator agg = Strategies.create(StrategySpec.of(strategy), StrategyContext.simple(1, 0))
                    .aggregator(1, template);
            for (ClientUpdate u : updates) {
                agg.add(u);
            }
            Weights result = agg.result();
            agg.close();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long peak = peakSum() - baseline;
            System.out.printf(Locale.ROOT,
                    "sites %3d: peak heap over baseline %6d MiB = %.2f x model; result %d MiB; %.1f s (%.2f GB/s of updates)%n",
                    sites, peak >> 20, (double) peak / ((long) modelMb << 20), result.byteSize() >> 20, seconds,
                    sites * ((double) ((long) modelMb << 20)) / seconds / 1e9);
        }
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    private static long heapUsed() {
        return heapPools().stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }

    private static void resetPeaks() {
        heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakSum() {
        return heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }
}
