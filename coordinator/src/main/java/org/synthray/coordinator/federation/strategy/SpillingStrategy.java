package org.synthray.coordinator.federation.strategy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.synthray.coordinator.federation.ClientUpdate;
import org.synthray.coordinator.federation.UpdateAggregator;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Base of the robust strategies, which need every update of a round at once: updates are spilled to
 * disk as they arrive ({@link SpilledUpdates}) and the statistic is computed chunk by chunk when the
 * round closes, on up to {@link #WORKERS} threads (the work is CPU-bound: a sort per coordinate, or
 * n²/2 distances). They ignore the sites' example counts (a Byzantine site could lie about them).
 */
public abstract class SpillingStrategy extends BaseStrategy {
    /** Threads that reduce chunks in parallel: the machine's cores, at most 4. */
    static final int WORKERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    protected SpillingStrategy(StrategyContext context) {
        super(context);
    }

    @Override
    public UpdateAggregator aggregator(int round, Weights global) {
        SpilledUpdates spill = new SpilledUpdates(global, context.spillDirectory(),
                "synthray-" + name() + "-round" + round + "-");
        return new UpdateAggregator() {
            @Override
            public void add(ClientUpdate update) {
                spill.add(update);
            }

            @Override
            public int count() {
                return spill.size();
            }

            @Override
            public Weights result() {
                try {
                    return aggregate(round, spill);
                } finally {
                    spill.close();
                }
            }

            @Override
            public void close() {
                spill.close();
            }

            @Override
            public String toString() {
                return name() + " aggregator spilling to " + spill.paths();
            }
        };
    }

    /** The new model from the spilled updates (at least one). */
    protected abstract Weights aggregate(int round, SpilledUpdates updates);

    /** Reduces the {@code n} values of one coordinate ({@code column[0, n)}, may be reordered) to one. */
    @FunctionalInterface
    protected interface CoordinateStatistic {
        double apply(double[] column, int n);
    }

    /** What one worker does with one chunk: elements {@code [from, from + len)} of tensor {@code i}. */
    @FunctionalInterface
    interface ChunkTask<W> {
        void run(W worker, int i, int from, int len);
    }

    /**
     * Runs {@code task} over every chunk of every tensor, spread over the workers; each worker has its
     * own state (buffers), made by {@code newWorker}. Returns the workers' states.
     */
    static <W> List<W> forEachChunk(Weights template, int chunk, java.util.function.Supplier<W> newWorker,
                                    ChunkTask<W> task) {
        List<int[]> chunks = new ArrayList<>();
        for (int i = 0; i < template.size(); i++) {
            int elements = TensorValues.elements(template.get(i));
            for (int from = 0; from < elements; from += chunk) {
                chunks.add(new int[] {i, from, Math.min(chunk, elements - from)});
            }
        }
        int workers = Math.min(WORKERS, Math.max(1, chunks.size()));
        List<W> states = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            states.add(newWorker.get());
        }
        AtomicInteger next = new AtomicInteger();
        Runnable[] loops = new Runnable[workers];
        for (int w = 0; w < workers; w++) {
            W state = states.get(w);
            loops[w] = () -> {
                int c;
                while ((c = next.getAndIncrement()) < chunks.size()) {
                    int[] ch = chunks.get(c);
                    task.run(state, ch[0], ch[1], ch[2]);
                }
            };
        }
        if (workers == 1) {
            loops[0].run();
            return states;
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers - 1, r -> {
            Thread t = new Thread(r, "synthray-robust-aggregation");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 1; w < workers; w++) {
                futures.add(pool.submit(loops[w]));
            }
            loops[0].run(); // the calling thread is a worker too
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while aggregating", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
        return states;
    }

    /** Per-thread buffers for reading all updates' values of one chunk. */
    static final class RowsWorker {
        final SpilledUpdates.Reader reader;
        final double[][] rows;
        final double[] column;
        final double[] out;

        RowsWorker(SpilledUpdates updates, int rowCount) {
            this.reader = updates.reader();
            this.rows = updates.rows(rowCount);
            this.column = new double[updates.size()];
            this.out = new double[rows[0].length];
        }
    }

    private static void allocateLike(Weights template, ByteBuffer[] buffers) {
        for (int i = 0; i < template.size(); i++) {
            buffers[i] = TensorValues.allocate(template.get(i));
        }
    }

    private static Weights assemble(Weights template, ByteBuffer[] buffers) {
        List<Tensor> out = new ArrayList<>(template.size());
        for (int i = 0; i < template.size(); i++) {
            Tensor t = template.get(i);
            out.add(new Tensor(t.name(), t.dtype(), t.shape(), buffers[i]));
        }
        return new Weights(out);
    }

    /** A model whose every element is {@code statistic} over all updates' values of that element. */
    protected static Weights coordinateWise(SpilledUpdates updates, CoordinateStatistic statistic) {
        Weights template = updates.template();
        int n = updates.size();
        ByteBuffer[] buffers = new ByteBuffer[template.size()];
        allocateLike(template, buffers);
        forEachChunk(template, updates.chunkElements(n), () -> new RowsWorker(updates, n), (w, i, from, len) -> {
            for (int k = 0; k < n; k++) {
                w.reader.read(k, i, from, len, w.rows[k]);
            }
            for (int j = 0; j < len; j++) {
                for (int k = 0; k < n; k++) {
                    w.column[k] = w.rows[k][j];
                }
                w.out[j] = statistic.apply(w.column, n);
            }
            TensorValues.write(buffers[i], template.get(i).dtype(), from, w.out, len);
        });
        return assemble(template, buffers);
    }

    /** The unweighted mean of the chosen updates, chunk by chunk. */
    protected static Weights mean(SpilledUpdates updates, int[] chosen) {
        Weights template = updates.template();
        ByteBuffer[] buffers = new ByteBuffer[template.size()];
        allocateLike(template, buffers);
        forEachChunk(template, updates.chunkElements(2), () -> new RowsWorker(updates, 2), (w, i, from, len) -> {
            double[] row = w.rows[0];
            double[] sum = w.rows[1];
            Arrays.fill(sum, 0, len, 0.0);
            for (int k : chosen) {
                w.reader.read(k, i, from, len, row);
                for (int j = 0; j < len; j++) {
                    sum[j] += row[j];
                }
            }
            for (int j = 0; j < len; j++) {
                sum[j] /= chosen.length;
            }
            TensorValues.write(buffers[i], template.get(i).dtype(), from, sum, len);
        });
        return assemble(template, buffers);
    }

    /** Sorts {@code a[0, n)} ascending; insertion sort, as n (the sites of a round) is small. */
    static void sortSmall(double[] a, int n) {
        if (n > 64) {
            Arrays.sort(a, 0, n);
            return;
        }
        for (int i = 1; i < n; i++) {
            double x = a[i];
            int j = i - 1;
            while (j >= 0 && a[j] > x) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }
}
