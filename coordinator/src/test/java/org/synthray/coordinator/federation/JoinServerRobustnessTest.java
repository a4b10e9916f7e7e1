package org.synthray.coordinator.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.flower.RawFlowerClient;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.flower.proto.Status;
import org.synthray.golden.Golden;
import org.synthray.tensor.Npy;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;
import org.synthray.coordinator.federation.strategy.FedAvg;

/**
 * The Join server against stock Flower client bytes and against clients that misbehave: every bad
 * reply is rejected or dropped with its reason, the round goes on with the others, and the
 * coordinator keeps serving.
 */
@QuarkusTest
class JoinServerRobustnessTest {

    @Inject
    ClientRegistry registry;

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        pool.shutdownNow();
    }

    private static Weights model() {
        return Weights.of(Tensor.ofFloats("w", new int[] {2, 3}, 1, 2, 3, 4, 5, 6),
                Tensor.ofFloats("b", new int[] {3}, 0.5f, 0.25f, 0.125f));
    }

    private RunResult run(Strategy strategy, int minClients, Duration roundTimeout, int rounds, Weights initial,
                          List<RoundSummary> summaries) throws InterruptedException {
        return new FederationRunner(registry, strategy, FederationRunner.Settings.of("robustness-" + RUNS.incrementAndGet(),
                rounds, minClients, Duration.ofSeconds(30), roundTimeout, initial), (s, w, u) -> summaries.add(s)).run();
    }

    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    private static FedAvg fedAvg(int minFit) {
        return new FedAvg(1.0, 1.0, minFit, 1, r -> Map.of(), r -> Map.of(), 1);
    }

    private Future<FlowerConnection.Outcome> goodAgent(String site, ArithmeticTrainer trainer) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer), FlowerConnection.Options.of("127.0.0.1", port, site)
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 50));
        return pool.submit(c::run);
    }

    private RawFlowerClient raw(Function<ServerMessage, RawFlowerClient.Action> script) {
        RawFlowerClient c = new RawFlowerClient(port, script);
        toClose.add(c);
        return c;
    }

    private static RawFlowerClient.Action reply(ClientMessage m) {
        return new RawFlowerClient.Reply(m.toByteArray());
    }

    private static ClientMessage evaluateOk() {
        return ClientMessage.newBuilder().setEvaluateRes(ClientMessage.EvaluateRes.newBuilder()
                .setLoss(0.5f).setNumExamples(3)).build();
    }

    /** A client whose FitRes is made from the received weights by {@code edit}; evaluate answers normally. */
    private RawFlowerClient fitting(Function<ClientMessage.FitRes.Builder, ClientMessage.FitRes.Builder> edit) {
        return raw(m -> {
            if (m.hasFitIns()) {
                ClientMessage.FitRes.Builder res = ClientMessage.FitRes.newBuilder()
                        .setParameters(m.getFitIns().getParameters()).setNumExamples(5);
                return reply(ClientMessage.newBuilder().setFitRes(edit.apply(res)).build());
            }
            return reply(evaluateOk());
        });
    }

    private static Parameters withTensor(Parameters p, int index, Tensor t) {
        return p.toBuilder().setTensors(index, ByteString.copyFrom(Npy.write(t))).build();
    }

    @Test
    void stockFlowerClientBytesCompleteTwoRounds() throws Exception {
        RawFlowerClient stock = raw(m -> switch (m.getMsgCase()) {
            case GET_PARAMETERS_INS -> new RawFlowerClient.Reply(Golden.capture("client-02-get_parameters_res.bin"));
            case FIT_INS -> new RawFlowerClient.Reply(Golden.capture("client-03-fit_res.bin"));
            case EVALUATE_INS -> new RawFlowerClient.Reply(Golden.capture("client-04-evaluate_res.bin"));
            default -> new RawFlowerClient.Silence();
        });
        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        RunResult result = run(fedAvg(1), 1, Duration.ofSeconds(20), 2, null, summaries);

        assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
        Weights stockUpdate = FlowerTensors.toWeights(ClientMessage.parseFrom(Golden.capture("client-03-fit_res.bin"))
                .getFitRes().getParameters(), null);
        assertTrue(stockUpdate.contentEquals(result.finalWeights()), "one client: the average is its update, every dtype kept");
        assertTrue(stock.awaitEnd(10));
        // Exactly the sequence a stock start_server sends without initial parameters (golden server_noinit run).
        assertEquals(List.of("GET_PARAMETERS_INS", "FIT_INS", "EVALUATE_INS", "FIT_INS", "EVALUATE_INS", "RECONNECT_INS"),
                stock.received().stream().map(m -> m.getMsgCase().name()).toList());
        assertEquals(Golden.capture("server_noinit-06-reconnect_ins.bin").length, stock.received().get(5).getSerializedSize());
        Weights offered = FlowerTensors.toWeights(ClientMessage.parseFrom(Golden.capture("client-02-get_parameters_res.bin"))
                .getGetParametersRes().getParameters(), null);
        assertTrue(offered.contentEquals(FlowerTensors.toWeights(stock.received().get(1).getFitIns().getParameters(), null)),
                "round 1 trains from the client's initial parameters");
        assertEquals(0.123f, (float) summaries.get(0).evaluation().loss());
    }

    @Test
    void badUpdatesAreRejectedWithReasonsAndTheRoundGoesOn() throws Exception {
        ArithmeticTrainer good = new ArithmeticTrainer(model(), 1.0, 1.0, 10);
        Future<FlowerConnection.Outcome> goodRun = goodAgent("site-good", good);
        fitting(r -> r.setParameters(withTensor(r.getParameters(), 1, Tensor.ofFloats("b", new int[] {3}, 1, Float.NaN, 2))));
        fitting(r -> r.setParameters(withTensor(r.getParameters(), 0, Tensor.ofFloats("w", new int[] {3}, 1, 2, 3))));
        fitting(r -> r.setNumExamples(0));
        fitting(r -> r.setStatus(Status.newBuilder().setCode(Code.FIT_NOT_IMPLEMENTED).setMessage("out of memory")));
        fitting(r -> r.setParameters(r.getParameters().toBuilder().setTensors(0, ByteString.copyFromUtf8("not numpy"))));
        // A reply from a newer protocol: no oneof case this server knows.
        raw(m -> reply(ClientMessage.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder().addField(9,
                UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build()));
        // Bytes that are not a ClientMessage at all.
        raw(m -> new RawFlowerClient.Reply(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}));

        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        RunResult result = run(fedAvg(1), 8, Duration.ofSeconds(20), 1, model(), summaries);

        assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
        RoundSummary s = summaries.get(0);
        assertEquals(8, s.asked());
        assertEquals(1, s.answered(), s.logLine());
        String rejected = String.join("\n", s.rejected());
        assertEquals(6, s.rejected().stream().filter(r -> !r.contains("(evaluate)")).count(), rejected);
        assertTrue(rejected.contains("has NaN at element 1"), rejected);
        assertTrue(rejected.contains("expected <f4(2, 3), got <f4(3,)"), rejected);
        assertTrue(rejected.contains("num_examples must be > 0"), rejected);
        assertTrue(rejected.contains("FIT_NOT_IMPLEMENTED (out of memory)"), rejected);
        assertTrue(rejected.contains("tensor 0 ('w'): invalid .npy"), rejected);
        assertTrue(rejected.contains("answered FitIns with MSG_NOT_SET"), rejected);
        assertEquals(1, s.failed().size(), String.join("\n", s.failed()));
        assertTrue(s.failed().get(0).contains("sent a malformed message"), s.failed().get(0));
        assertTrue(s.duration().toSeconds() < 20, "the malformed client does not hold the round until its timeout");
        // Only the good update was averaged.
        Weights expected = Weights.of(Tensor.ofFloats("w", new int[] {2, 3}, 2, 3, 4, 5, 6, 7),
                Tensor.ofFloats("b", new int[] {3}, 1.5f, 1.25f, 1.125f));
        assertTrue(expected.contentEquals(result.finalWeights()), result.finalWeights().toString());
        assertEquals(1, goodRun.get(10, TimeUnit.SECONDS).sessions());

        // The coordinator keeps serving: a new run with a fresh agent completes.
        ArithmeticTrainer next = new ArithmeticTrainer(model(), 1.0, 0.0, 10);
        goodAgent("site-next", next);
        assertEquals(RunResult.Status.COMPLETED, run(fedAvg(1), 1, Duration.ofSeconds(20), 1, model(), new ArrayList<>()).status());
    }

    @Test
    void disconnectingAndSilentClientsAreDroppedFromTheRound() throws Exception {
        ArithmeticTrainer good = new ArithmeticTrainer(model(), 1.0, 1.0, 10);
        goodAgent("site-good", good);
        RawFlowerClient crashing = raw(m -> new RawFlowerClient.Cancel());
        RawFlowerClient silent = raw(m -> new RawFlowerClient.Silence());

        List<RoundSummary> summaries = new CopyOnWriteArrayList<>();
        RunResult result = run(fedAvg(1), 3, Duration.ofSeconds(2), 2, model(), summaries);

        assertEquals(RunResult.Status.COMPLETED, result.status(), result.reason());
        RoundSummary first = summaries.get(0);
        assertEquals(3, first.asked());
        assertEquals(1, first.answered());
        String failed = String.join("\n", first.failed());
        assertEquals(2, first.failed().size(), failed);
        assertTrue(failed.contains("disconnected"), failed);
        assertTrue(failed.contains("no reply within the round timeout of PT2S"), failed);
        // Round 2: the crashed client is gone and the silent one still owes round 1's reply, so only the good one is asked.
        assertEquals(1, summaries.get(1).asked());
        assertEquals(1, summaries.get(1).answered());
        assertTrue(crashing.awaitEnd(5));
        assertTrue(silent.awaitEnd(5), "the silent client is still told to disconnect at the end");
    }

    @Test
    void fewerValidUpdatesThanTheMinimumEndsTheRunCleanly() throws Exception {
        ArithmeticTrainer good = new ArithmeticTrainer(model(), 1.0, 1.0, 10);
        Future<FlowerConnection.Outcome> goodRun = goodAgent("site-good", good);
        fitting(r -> r.setParameters(withTensor(r.getParameters(), 0,
                Tensor.ofFloats("w", new int[] {2, 3}, 1, 2, 3, Float.POSITIVE_INFINITY, 5, 6))));

        RunResult result = run(fedAvg(2), 2, Duration.ofSeconds(20), 3, model(), new ArrayList<>());

        assertEquals(RunResult.Status.FAILED, result.status());
        assertEquals("round 1: only 1 valid update(s), 2 required", result.reason());
        assertEquals(1, result.rounds().size());
        assertTrue(result.finalWeights().contentEquals(model()), "the global model is untouched by the failed round");
        assertEquals(1, goodRun.get(10, TimeUnit.SECONDS).sessions(), "agents are told to stop, not left hanging");
    }
}
