package org.synthray.agent.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar: {@code label [#####.....] 45% 450/1000 metrics ETA 1m20s}. On a terminal
 * it redraws in place; when output goes to a file or pipe it prints a plain line at most every
 * {@code logEverySeconds}, so logs of long runs stay readable. Reusable for epochs, steps, images or
 * federated rounds.
 */
public final class ProgressBar {
    private static final int WIDTH = 24;
    private final String label;
    private final PrintWriter out;
    private final boolean interactive;
    private final double logEverySeconds;
    private long total;
    private long lastPrint = Long.MIN_VALUE;
    private String lastLine = "";

    public ProgressBar(String label, long total, PrintWriter out) {
        this(label, total, out, System.console() != null, 10);
    }

    public ProgressBar(String label, long total, PrintStream out) {
        this(label, total, new PrintWriter(out, true), System.console() != null, 10);
    }

    public ProgressBar(String label, long total, PrintWriter out, boolean interactive, double logEverySeconds) {
        this.label = label;
        this.total = total;
        this.out = out;
        this.interactive = interactive;
        this.logEverySeconds = logEverySeconds;
    }

    /** Changes the total (e.g. when a time limit, not a step count, ends the run). */
    public void setTotal(long total) {
        this.total = total;
    }

    /**
     * @param done       units done
     * @param metrics    free text after the counts, e.g. {@code "epoch 3 loss 0.081 45.2 img/s"}
     * @param etaSeconds NaN when unknown
     */
    public void update(long done, String metrics, double etaSeconds) {
        String line = render(done, metrics, etaSeconds);
        long now = System.nanoTime();
        if (interactive) {
            out.print("\r" + line + pad(lastLine.length() - line.length()));
            out.flush();
        } else if (lastPrint == Long.MIN_VALUE || (now - lastPrint) / 1e9 >= logEverySeconds || done == total) {
            out.println(line);
            out.flush();
            lastPrint = now;
        }
        lastLine = line;
    }

    /** Ends the bar: a final line that stays. */
    public void finish(String message) {
        if (interactive) {
            out.println();
        }
        if (message != null) {
            out.println(message);
        }
        out.flush();
    }

    /** The line for the given state (visible for tests). */
    public String render(long done, String metrics, double etaSeconds) {
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (total > 0) {
            double f = Math.min(1.0, (double) done / total);
            int filled = (int) Math.round(f * WIDTH);
            sb.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%3d%% %d/%d", Math.round(f * 100), done, total));
        } else {
            sb.append(done);
        }
        if (metrics != null && !metrics.isEmpty()) {
            sb.append(' ').append(metrics);
        }
        if (!Double.isNaN(etaSeconds)) {
            sb.append(" ETA ").append(duration(etaSeconds));
        }
        return sb.toString();
    }

    /** 75 → "1m15s", 4000 → "1h06m". */
    public static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private static String pad(int n) {
        return n > 0 ? " ".repeat(n) : "";
    }
}
