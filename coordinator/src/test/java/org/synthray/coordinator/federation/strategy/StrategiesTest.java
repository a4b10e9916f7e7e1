package org.synthray.coordinator.federation.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.coordinator.federation.Strategy;
import org.synthray.flower.Scalars;

class StrategiesTest {
    private static final StrategyContext CTX = StrategyContext.simple(2, 0);

    private static Strategy create(String json) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = new ObjectMapper().readValue(json, LinkedHashMap.class);
        return Strategies.create(StrategySpec.fromMap(map), CTX);
    }

    private static String refused(String json) {
        return assertThrows(IllegalArgumentException.class, () -> create(json)).getMessage();
    }

    @Test
    void everyNameBuildsItsStrategyWithDefaults() throws Exception {
        for (String name : Strategies.NAMES) {
            String params = name.equals("multikrum") ? ",\"params\":{\"m\":2}" : "";
            Strategy s = create("{\"name\":\"" + name + "\"" + params + "}");
            assertEquals(name, s.name());
            assertEquals(2, s.minFitResults());
        }
    }

    @Test
    void theBriefsExampleSpec() throws Exception {
        Strategy s = create("""
                {"name":"fedadam","params":{"eta":0.01,"beta1":0.9},
                 "dp":{"noise_multiplier":1.0,"clip_norm":1.0,"adaptive":true,"target_quantile":0.5,"delta":1e-5}}""");
        DpStrategy dp = assertInstanceOf(DpStrategy.class, s);
        assertEquals("dp-fedadam", dp.name());
        FedAdam adam = assertInstanceOf(FedAdam.class, dp.inner());
        assertEquals(0.01, adam.eta);
        assertEquals(0.9, adam.beta1);
        assertEquals(0.99, adam.beta2, "default");
        assertEquals(1e-9, adam.tau, "default");
        assertTrue(dp.config().adaptive());
        assertEquals(1e-5, dp.config().delta());
    }

    @Test
    void parametersAndFlowersSpellings() throws Exception {
        FedYogi yogi = (FedYogi) create("{\"name\":\"fedyogi\",\"params\":{\"beta_1\":0.8,\"beta_2\":0.95,\"tau\":1e-4,\"eta\":2}}");
        assertEquals(0.8, yogi.beta1);
        assertEquals(0.95, yogi.beta2);
        assertEquals(1e-4, yogi.tau);
        assertEquals(2.0, yogi.eta);
        FedProx prox = (FedProx) create("{\"name\":\"fedprox\",\"params\":{\"proximal_mu\":1}}");
        assertEquals(1.0, prox.proximalMu());
        assertEquals(1.0, Scalars.getDouble(prox.configureFit(1, Fixtures.vector(0), List.of("a", "b")).get(0).config(),
                "proximal_mu", -1));
        assertEquals(0.01, ((FedProx) create("{\"name\":\"fedprox\"}")).proximalMu(), "default");
        assertEquals(0.1, ((FedTrimmedAvg) create("{\"name\":\"fedtrimmedavg\",\"params\":{\"beta\":0.1}}")).beta());
        assertEquals("multikrum", create("{\"name\":\"krum\",\"params\":{\"f\":1,\"m\":3}}").name());
    }

    @Test
    void unknownStrategyListsTheAvailableOnes() {
        String m = refused("{\"name\":\"fedsgd\"}");
        assertTrue(m.contains("unknown strategy 'fedsgd'") && m.contains("fedavg, fedprox"), m);
        assertTrue(refused("{\"params\":{}}").contains("strategy.name is required"));
    }

    @Test
    void unknownParameterIsNamedWithTheKnownOnes() {
        String m = refused("{\"name\":\"fedadam\",\"params\":{\"etta\":0.1}}");
        assertEquals("unknown parameter 'strategy.params.etta' for fedadam (known: eta, beta1, beta2, tau)", m);
        assertTrue(refused("{\"name\":\"fedavg\",\"params\":{\"eta\":0.1}}").contains("it takes none"));
        assertTrue(refused("{\"name\":\"fedadam\",\"params\":{\"beta1\":0.5,\"beta_1\":0.5}}").contains("given twice"));
        assertTrue(refused("{\"name\":\"fedavg\",\"extra\":1}").contains("unknown field 'strategy.extra'"));
    }

    @Test
    void outOfRangeValuesNameTheParameterAndTheRange() {
        assertEquals("strategy.params.eta must be a number > 0, got -1",
                refused("{\"name\":\"fedadam\",\"params\":{\"eta\":-1}}"));
        assertEquals("strategy.params.beta2 must be in [0, 1), got 1",
                refused("{\"name\":\"fedyogi\",\"params\":{\"beta2\":1}}"));
        assertEquals("strategy.params.proximal_mu must be a number >= 0, got -0.5",
                refused("{\"name\":\"fedprox\",\"params\":{\"proximal_mu\":-0.5}}"));
        assertEquals("strategy.params.beta must be in [0, 0.5), got 0.5",
                refused("{\"name\":\"fedtrimmedavg\",\"params\":{\"beta\":0.5}}"));
        assertEquals("strategy.params.f must be a whole number >= 0, got 1.5",
                refused("{\"name\":\"krum\",\"params\":{\"f\":1.5}}"));
        assertEquals("strategy.params.m is required for multikrum", refused("{\"name\":\"multikrum\"}"));
        assertEquals("strategy.params.tau must be a number, got the string \"1e-3\"",
                refused("{\"name\":\"fedyogi\",\"params\":{\"tau\":\"1e-3\"}}"));
    }

    @Test
    void dpSectionIsCheckedToo() {
        assertEquals("strategy.dp.noise_multiplier must be a number >= 0, got -1",
                refused("{\"name\":\"fedavg\",\"dp\":{\"noise_multiplier\":-1}}"));
        assertEquals("strategy.dp.delta must be in (0, 1), got 0",
                refused("{\"name\":\"fedavg\",\"dp\":{\"delta\":0}}"));
        assertEquals("strategy.dp.adaptive must be true or false, got the string \"yes\"",
                refused("{\"name\":\"fedavg\",\"dp\":{\"adaptive\":\"yes\"}}"));
        assertTrue(refused("{\"name\":\"fedavg\",\"dp\":{\"target_quantile\":0.3}}")
                .contains("target_quantile only applies with \"adaptive\": true"));
        assertTrue(refused("{\"name\":\"fedavg\",\"dp\":{\"noise_multiplier\":2,\"adaptive\":true,\"clipped_count_stddev\":0.5}}")
                .startsWith("strategy.dp.clipped_count_stddev must be > noise_multiplier / 2"));
        assertTrue(refused("{\"name\":\"fedavg\",\"dp\":{\"clip\":1}}").contains("unknown parameter 'strategy.dp.clip'"));
        String m = refused("{\"name\":\"krum\",\"dp\":{}}");
        assertTrue(m.startsWith("strategy.dp cannot wrap krum"), m);
    }

    @Test
    void dpWithDefaults() throws Exception {
        DpStrategy dp = (DpStrategy) create("{\"name\":\"fedprox\",\"dp\":{}}");
        assertEquals(DpStrategy.Config.fixed(1.0, 1.0), dp.config());
        assertEquals("dp-fedprox", dp.name());
    }
}
