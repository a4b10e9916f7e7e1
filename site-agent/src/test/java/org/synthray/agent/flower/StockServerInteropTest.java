package org.synthray.agent.flower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.golden.Golden;
import org.synthray.tensor.Weights;

/**
 * The site agent joins a stock Flower 1.23 {@code start_server}: a gRPC server replays the exact
 * bytes the stock server sent in the golden captures, and the agent's replies are checked.
 */
class StockServerInteropTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Weights stockServerModel() throws Exception {
        return FlowerTensors.toWeights(ServerMessage.parseFrom(Golden.capture("server-01-fit_ins.bin"))
                .getFitIns().getParameters(), null);
    }

    private static FlowerConnection.Options fastRetry(int port) {
        return FlowerConnection.Options.of("127.0.0.1", port, "site-test")
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200), 20);
    }

    @Test
    void twoRoundsWithInitialParameters() throws Exception {
        List<byte[]> script = List.of("server-01-fit_ins.bin", "server-02-evaluate_ins.bin", "server-03-fit_ins.bin",
                "server-04-evaluate_ins.bin", "server-05-reconnect_ins.bin").stream().map(Golden::capture).toList();
        ArithmeticTrainer trainer = new ArithmeticTrainer(stockServerModel(), 1.0, 1.0, 10);
        try (ScriptedFlowerServer server = new ScriptedFlowerServer(List.of(script))) {
            FlowerConnection.Outcome outcome = run(new FlowerConnection(new FlowerClient(trainer), fastRetry(server.port())));
            assertEquals(new FlowerConnection.Outcome(1, 5), outcome);
            List<byte[]> replies = server.received().get(0);
            assertEquals(List.of("fit_res", "evaluate_res", "fit_res", "evaluate_res", "disconnect_res"),
                    ScriptedFlowerServer.kinds(replies));
            ClientMessage.FitRes fit = ClientMessage.parseFrom(replies.get(0)).getFitRes();
            assertEquals(Code.OK, fit.getStatus().getCode());
            assertEquals(10, fit.getNumExamples());
            Weights sent = FlowerTensors.toWeights(fit.getParameters(), null);
            Weights model = stockServerModel();
            assertEquals(null, model.incompatibility(sent), "same dtypes and shapes as the server's model");
            assertEquals(model.get(3).getDouble(2) + 1, sent.get(3).getDouble(2), 1e-6);
            assertEquals(2, trainer.fits.get());
        }
    }

    @Test
    void noInitialParametersServerAsksForThemFirst() throws Exception {
        List<byte[]> script = List.of("server_noinit-01-get_parameters_ins.bin", "server_noinit-02-fit_ins.bin",
                "server_noinit-03-evaluate_ins.bin", "server_noinit-04-fit_ins.bin", "server_noinit-05-evaluate_ins.bin",
                "server_noinit-06-reconnect_ins.bin").stream().map(Golden::capture).toList();
        Weights initial = FlowerTensors.toWeights(ServerMessage.parseFrom(Golden.capture("server_noinit-02-fit_ins.bin"))
                .getFitIns().getParameters(), List.of("w", "steps"));
        ArithmeticTrainer trainer = new ArithmeticTrainer(initial, 2.0, 0.0, 5);
        try (ScriptedFlowerServer server = new ScriptedFlowerServer(List.of(script))) {
            assertEquals(new FlowerConnection.Outcome(1, 6),
                    run(new FlowerConnection(new FlowerClient(trainer), fastRetry(server.port()))));
            List<byte[]> replies = server.received().get(0);
            assertEquals(List.of("get_parameters_res", "fit_res", "evaluate_res", "fit_res", "evaluate_res", "disconnect_res"),
                    ScriptedFlowerServer.kinds(replies));
            Weights offered = FlowerTensors.toWeights(ClientMessage.parseFrom(replies.get(0)).getGetParametersRes()
                    .getParameters(), List.of("w", "steps"));
            assertTrue(offered.contentEquals(initial));
        }
    }

    @Test
    void reconnectsWhenTheServerSaysSoLikeTheStockClient() throws Exception {
        // The golden client_reconnect run: stream 1 GetPropertiesIns + ReconnectIns(1), stream 2 GetParametersIns + ReconnectIns(0).
        byte[] getProps = ServerMessage.newBuilder().setGetPropertiesIns(ServerMessage.GetPropertiesIns.getDefaultInstance())
                .build().toByteArray();
        List<List<byte[]>> scripts = List.of(
                List.of(getProps, ScriptedFlowerServer.reconnect(1)),
                List.of(Golden.capture("server_noinit-01-get_parameters_ins.bin"), ScriptedFlowerServer.reconnect(0)));
        ArithmeticTrainer trainer = new ArithmeticTrainer(stockServerModel(), 1, 0, 1);
        try (ScriptedFlowerServer server = new ScriptedFlowerServer(scripts)) {
            long start = System.nanoTime();
            assertEquals(new FlowerConnection.Outcome(2, 4),
                    run(new FlowerConnection(new FlowerClient(trainer), fastRetry(server.port()))));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1000), "waited the 1 s asked for");
            assertEquals(List.of("get_properties_res", "disconnect_res"), ScriptedFlowerServer.kinds(server.received().get(0)));
            assertEquals(List.of("get_parameters_res", "disconnect_res"), ScriptedFlowerServer.kinds(server.received().get(1)));
            assertEquals(Code.GET_PROPERTIES_NOT_IMPLEMENTED,
                    ClientMessage.parseFrom(server.received().get(0).get(0)).getGetPropertiesRes().getStatus().getCode());
        }
    }

    @Test
    void reconnectsWithBackoffAfterADroppedConnectionAndGoesOn() throws Exception {
        List<List<byte[]>> scripts = List.of(
                List.of(Golden.capture("server-01-fit_ins.bin"), ScriptedFlowerServer.DROP),
                List.of(ScriptedFlowerServer.DROP),
                List.of(Golden.capture("server-03-fit_ins.bin"), Golden.capture("server-05-reconnect_ins.bin")));
        ArithmeticTrainer trainer = new ArithmeticTrainer(stockServerModel(), 1, 0, 1);
        try (ScriptedFlowerServer server = new ScriptedFlowerServer(scripts)) {
            FlowerConnection.Outcome outcome = run(new FlowerConnection(new FlowerClient(trainer), fastRetry(server.port())));
            assertEquals(3, outcome.sessions());
            assertEquals(2, trainer.fits.get(), "trained once before the drop and once after reconnecting");
            assertEquals(List.of("fit_res", "disconnect_res"), ScriptedFlowerServer.kinds(server.received().get(2)));
        }
    }

    @Test
    void unreachableCoordinatorGivesUpWithAClearMessage() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        FlowerConnection c = new FlowerConnection(new FlowerClient(new ArithmeticTrainer(stockServerModel(), 1, 0, 1)),
                FlowerConnection.Options.of("127.0.0.1", closedPort, "site-test")
                        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(20), 3));
        FlowerConnection.ConnectionFailedException e = assertThrows(FlowerConnection.ConnectionFailedException.class, c::run);
        assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort) && e.getMessage().contains("3 attempts"), e.getMessage());
    }

    private FlowerConnection.Outcome run(FlowerConnection connection) throws Exception {
        Future<FlowerConnection.Outcome> f = pool.submit(connection::run);
        try {
            return f.get(30, TimeUnit.SECONDS);
        } finally {
            connection.stop();
        }
    }
}
