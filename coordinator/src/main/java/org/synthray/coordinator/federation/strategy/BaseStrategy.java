package org.synthray.coordinator.federation.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.synthray.coordinator.federation.ClientTask;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.flower.proto.Scalar;
import org.synthray.tensor.Weights;

/**
 * Site sampling and instruction config shared by SynthRay's strategies, as Flower's FedAvg does it:
 * each round asks {@code max(min, ceil(fraction · available))} sites, drawn without replacement
 * with the context's seed, and sends them the global model with the round's config.
 */
public abstract class BaseStrategy implements Strategy {
    protected final StrategyContext context;
    private final Random random;

    protected BaseStrategy(StrategyContext context) {
        this.context = context;
        this.random = new Random(context.seed());
    }

    @Override
    public int minFitResults() {
        return context.minFitClients();
    }

    public StrategyContext context() {
        return context;
    }

    /** The config of this round's FitIns; subclasses add their own keys. */
    protected Map<String, Scalar> fitConfig(int round) {
        return context.fitConfig().apply(round);
    }

    @Override
    public List<ClientTask> configureFit(int round, Weights global, List<String> available) {
        Map<String, Scalar> config = fitConfig(round);
        return sample(available, context.fractionFit(), context.minFitClients()).stream()
                .map(c -> new ClientTask(c, global, config)).toList();
    }

    @Override
    public List<ClientTask> configureEvaluate(int round, Weights global, List<String> available) {
        if (context.fractionEvaluate() == 0) {
            return List.of();
        }
        Map<String, Scalar> config = context.evaluateConfig().apply(round);
        return sample(available, context.fractionEvaluate(), context.minEvaluateClients()).stream()
                .map(c -> new ClientTask(c, global, config)).toList();
    }

    private List<String> sample(List<String> available, double fraction, int min) {
        int n = Math.max(min, (int) Math.ceil(fraction * available.size()));
        if (n >= available.size()) {
            return available;
        }
        List<String> shuffled = new ArrayList<>(available);
        Collections.shuffle(shuffled, random);
        return shuffled.subList(0, n);
    }
}
