package org.synthray.agent.grpc;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** How long an agent waits before trying the coordinator again: exponential, capped, with jitter. */
public final class Backoff {
    private Backoff() {
    }

    /**
     * The wait after {@code failures} consecutive failures (1 or more): {@code initial · 2^(failures-1)}
     * capped at {@code max}, then a random point in its upper half — sites that lost the coordinator
     * together do not return together.
     */
    public static long millis(Duration initial, Duration max, int failures) {
        long base = initial.toMillis() << Math.min(failures - 1, 20);
        long capped = Math.max(1, Math.min(base, max.toMillis()));
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }
}
