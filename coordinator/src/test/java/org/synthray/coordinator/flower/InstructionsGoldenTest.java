package org.synthray.coordinator.flower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.golden.Golden;

/** The coordinator's server messages are what a stock Flower 1.23 server sends. */
class InstructionsGoldenTest {

    @Test
    void reconnectAndGetParametersAreByteIdentical() {
        assertArrayEquals(Golden.capture("server-05-reconnect_ins.bin"), Instructions.reconnect(0).toByteArray());
        assertArrayEquals(Golden.capture("server_noinit-06-reconnect_ins.bin"), Instructions.reconnect(0).toByteArray());
        assertArrayEquals(Golden.capture("server_noinit-01-get_parameters_ins.bin"), Instructions.getParameters().toByteArray());
    }

    @Test
    void fitAndEvaluateEqualTheStockServersMessages() throws Exception {
        ServerMessage stockFit = ServerMessage.parseFrom(Golden.capture("server-01-fit_ins.bin"));
        Map<String, Scalar> config = new LinkedHashMap<>();
        config.put("lr", Scalars.of(0.01));
        config.put("local_epochs", Scalars.of(2L));
        config.put("server_round", Scalars.of(1L));
        config.put("offset", Scalars.of(-3L));
        config.put("seed_u64", Scalars.of(new java.math.BigInteger("9223372036854775813")));
        config.put("run_tag", Scalars.of("golden"));
        config.put("note", Scalars.of("π≈3.14"));
        config.put("proximal", Scalars.of(false));
        config.put("blob", Scalars.of(new byte[] {0, 1}));
        ServerMessage ours = Instructions.fit(stockFit.getFitIns().getParameters(), config);
        assertEquals(stockFit, ours, "equal content (map order on the wire is unspecified)");

        ServerMessage stockEval = ServerMessage.parseFrom(Golden.capture("server-02-evaluate_ins.bin"));
        // No config: the map is absent, so these bytes are deterministic and must match exactly.
        assertArrayEquals(Golden.capture("server-02-evaluate_ins.bin"),
                Instructions.evaluate(stockEval.getEvaluateIns().getParameters(), Map.of()).toByteArray());
        assertArrayEquals(Golden.capture("server_noinit-02-fit_ins.bin"), Instructions.fit(
                ServerMessage.parseFrom(Golden.capture("server_noinit-02-fit_ins.bin")).getFitIns().getParameters(),
                Map.of()).toByteArray());
    }
}
