package org.synthray.coordinator.federation.strategy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.jboss.logging.Logger;
import org.synthray.tensor.Weights;

/**
 * Krum and multi-Krum (Blanchard et al. 2017). Each update is scored by the sum of its squared
 * Euclidean distances (over all parameters) to its {@code n − f − 2} nearest other updates (at least
 * one), where f is the number of Byzantine sites assumed; Krum keeps the update with the lowest score,
 * multi-Krum averages the m lowest-scored ones, unweighted. The guarantee needs {@code n > 2f + 2}.
 *
 * <p>Distances are accumulated chunk by chunk over the spilled updates (n(n−1)/2 pairs); the chosen
 * updates are then read a second time. Which sites were kept is logged.
 */
public class Krum extends SpillingStrategy {
    private static final Logger LOG = Logger.getLogger(Krum.class);

    private final int byzantine;
    private final int keep;

    /**
     * @param byzantine f, the number of Byzantine sites assumed (≥ 0)
     * @param keep      m, how many best-scored updates to average (1 is Krum)
     */
    public Krum(StrategyContext context, int byzantine, int keep) {
        super(context);
        if (byzantine < 0) {
            throw new IllegalArgumentException("f (byzantine sites) must be >= 0, got " + byzantine);
        }
        if (keep < 1) {
            throw new IllegalArgumentException("m (updates kept) must be >= 1, got " + keep);
        }
        this.byzantine = byzantine;
        this.keep = keep;
    }

    @Override
    public String name() {
        return keep == 1 ? "krum" : "multikrum";
    }

    /** Squared distances between every pair of updates, over all parameters. */
    static double[][] distances(SpilledUpdates updates) {
        int n = updates.size();
        record Worker(RowsWorker rows, double[][] d) {
        }
        List<Worker> workers = forEachChunk(updates.template(), updates.chunkElements(n),
                () -> new Worker(new RowsWorker(updates, n), new double[n][n]), (w, i, from, len) -> {
                    double[][] rows = w.rows().rows;
                    for (int k = 0; k < n; k++) {
                        w.rows().reader.read(k, i, from, len, rows[k]);
                    }
                    for (int a = 0; a < n; a++) {
                        double[] ra = rows[a];
                        for (int b = a + 1; b < n; b++) {
                            double[] rb = rows[b];
                            double s0 = 0;
                            double s1 = 0;
                            int j = 0;
                            for (; j + 1 < len; j += 2) {
                                double x = ra[j] - rb[j];
                                double y = ra[j + 1] - rb[j + 1];
                                s0 += x * x;
                                s1 += y * y;
                            }
                            if (j < len) {
                                double x = ra[j] - rb[j];
                                s0 += x * x;
                            }
                            w.d()[a][b] += s0 + s1;
                        }
                    }
                });
        double[][] d = new double[n][n];
        for (Worker w : workers) {
            for (int a = 0; a < n; a++) {
                for (int b = a + 1; b < n; b++) {
                    d[a][b] += w.d()[a][b];
                }
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < a; b++) {
                d[a][b] = d[b][a];
            }
        }
        return d;
    }

    /** Krum scores: each update's summed distance to its {@code max(1, n − f − 2)} nearest others. */
    static double[] scores(double[][] d, int byzantine) {
        int n = d.length;
        int closest = Math.max(1, n - byzantine - 2);
        double[] scores = new double[n];
        for (int a = 0; a < n; a++) {
            double[] others = new double[n - 1];
            int p = 0;
            for (int b = 0; b < n; b++) {
                if (b != a) {
                    others[p++] = d[a][b];
                }
            }
            Arrays.sort(others);
            double s = 0;
            for (int k = 0; k < Math.min(closest, others.length); k++) {
                s += others[k];
            }
            scores[a] = s;
        }
        return scores;
    }

    @Override
    protected Weights aggregate(int round, SpilledUpdates updates) {
        int n = updates.size();
        double[] scores = n == 1 ? new double[1] : scores(distances(updates), byzantine);
        int[] chosen = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer k) -> scores[k]).thenComparing(k -> k))
                .limit(Math.min(keep, n)).mapToInt(Integer::intValue).toArray();
        if (n <= 2 * byzantine + 2) {
            LOG.warnf("round %d: %s with f=%d needs more than %d updates for its guarantee, got %d", round, name(),
                    byzantine, 2 * byzantine + 2, n);
        }
        LOG.infof("round %d: %s kept %s of %d update(s)", round, name(),
                Arrays.stream(chosen).mapToObj(updates::clientId).toList(), n);
        return mean(updates, chosen);
    }
}
