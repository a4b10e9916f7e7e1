package org.synthray.coordinator.federation.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.synthray.coordinator.federation.strategy.Fixtures.aggregate;
import static org.synthray.coordinator.federation.strategy.Fixtures.assertValues;
import static org.synthray.coordinator.federation.strategy.Fixtures.update;
import static org.synthray.coordinator.federation.strategy.Fixtures.vector;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.coordinator.federation.ClientTask;
import org.synthray.flower.Scalars;
import org.synthray.tensor.Weights;

class FedProxTest {

    @Test
    void sendsProximalMuWithTheRoundConfigAndAveragesLikeFedAvg() {
        StrategyContext ctx = StrategyContext.of(2, 1.0, 1.0,
                r -> Map.of("lr", Scalars.of(0.01), "server_round", Scalars.of((long) r)), r -> Map.of(), 0);
        FedProx prox = new FedProx(ctx, 0.1);
        assertEquals("fedprox", prox.name());

        List<ClientTask> tasks = prox.configureFit(3, vector(0), List.of("a", "b"));
        assertEquals(2, tasks.size());
        for (ClientTask t : tasks) {
            assertEquals(0.1, Scalars.getDouble(t.config(), "proximal_mu", -1), 0);
            assertEquals(0.01, Scalars.getDouble(t.config(), "lr", -1), 0);
            assertEquals(3L, Scalars.getLong(t.config(), "server_round", -1));
        }
        // Evaluation carries no proximal term.
        assertEquals(-1, Scalars.getDouble(prox.configureEvaluate(3, vector(0), List.of("a")).get(0).config(),
                "proximal_mu", -1), 0);

        Weights avg = aggregate(prox.aggregator(3, vector(0, 0)),
                List.of(update("a", 2, vector(1, 4)), update("b", 6, vector(3, 0))));
        assertValues(new double[] {2.5, 1}, avg.get("w"), 1e-6); // (2·1 + 6·3)/8, (2·4 + 0)/8
    }

    @Test
    void refusesANegativeMu() {
        assertThrows(IllegalArgumentException.class, () -> new FedProx(StrategyContext.simple(1, 0), -0.5));
    }
}
