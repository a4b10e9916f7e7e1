package org.synthray.coordinator.federation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The federated run the coordinator starts by itself ({@code synthray.federation.*}). */
@ConfigMapping(prefix = "synthray.federation")
public interface FederationConfig {

    /** Start the run when the coordinator starts. */
    @WithDefault("false")
    boolean autostart();

    /** Name used in logs. */
    @WithDefault("default")
    String runName();

    @WithDefault("3")
    int rounds();

    /** Clients that must join before round 1, and valid updates a round needs. */
    @WithDefault("2")
    int minClients();

    /** Fraction of the connected clients asked to train each round. */
    @WithDefault("1.0")
    double fractionFit();

    /** Fraction of the connected clients asked to evaluate each round (0 skips evaluation). */
    @WithDefault("1.0")
    double fractionEvaluate();

    /** How long to wait for the minimum of clients. */
    @WithDefault("10m")
    Duration joinTimeout();

    /** How long a round waits for replies; later replies are discarded. */
    @WithDefault("30m")
    Duration roundTimeout();

    /** Seed for client sampling. */
    @WithDefault("0")
    long seed();

    /** Initial model as an {@code .npz}; without it the first client to join provides one. */
    Optional<Path> initialWeights();

    /** Where to write the final global model ({@code .npz}). */
    Optional<Path> output();

    /** Stop the coordinator when the run ends (the demo uses it). */
    @WithDefault("false")
    boolean exitWhenDone();

    /**
     * Extra config sent with every FitIns (e.g. {@code fit-config.lr=0.001}); values that look like
     * integers, decimals or booleans are sent as such, the rest as strings.
     */
    Map<String, String> fitConfig();

    /** Extra config sent with every EvaluateIns. */
    Map<String, String> evaluateConfig();
}
