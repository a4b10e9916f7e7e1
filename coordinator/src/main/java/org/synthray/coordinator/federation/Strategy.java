package org.synthray.coordinator.federation;

import java.util.List;
import org.synthray.tensor.Weights;

/**
 * How a federated run turns rounds of client work into a global model, in the shape of Flower's
 * {@code Strategy}: configure fit → aggregate fit → configure evaluate → aggregate evaluate.
 * Transport, timeouts and validation are the runner's job; a strategy only decides who does what
 * and how results combine.
 */
public interface Strategy {

    /** A short name for logs, e.g. {@code fedavg}. */
    String name();

    /** Fewest valid fit results that make a round count. */
    int minFitResults();

    /** Which available clients train this round, with which weights and config. */
    List<ClientTask> configureFit(int round, Weights global, List<String> availableClients);

    /** A fresh aggregator for this round's updates. */
    UpdateAggregator aggregator(int round, Weights global);

    /** Which available clients evaluate the new global model; empty to skip evaluation. */
    List<ClientTask> configureEvaluate(int round, Weights global, List<String> availableClients);

    /** Combines the evaluation results of a round. */
    default EvaluationSummary aggregateEvaluate(int round, List<ClientEvaluation> results) {
        return WeightedMetrics.summarise(results);
    }
}
