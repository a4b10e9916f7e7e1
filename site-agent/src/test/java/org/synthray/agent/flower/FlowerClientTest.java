package org.synthray.agent.flower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Code;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.golden.Golden;
import org.synthray.tensor.DType;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/** The site agent answers Flower instructions with what a stock Flower 1.23 NumPyClient sends. */
class FlowerClientTest {

    /** The 10 arrays of the golden stock client, decoded from its GetParametersRes. */
    static Weights goldenClientArrays() throws Exception {
        ClientMessage m = ClientMessage.parseFrom(Golden.capture("client-02-get_parameters_res.bin"));
        return FlowerTensors.toWeights(m.getGetParametersRes().getParameters(), null);
    }

    /** Mirrors the golden stock client's NumPyClient: fit returns p+1 (logical_not for bool), evaluate 0.123. */
    static final class GoldenNumPyClient implements LocalTrainer {
        private final Weights arrays;
        private final boolean withProperties;

        GoldenNumPyClient(Weights arrays, boolean withProperties) {
            this.arrays = arrays;
            this.withProperties = withProperties;
        }

        @Override
        public Weights initialWeights() {
            return arrays;
        }

        @Override
        public FitResult fit(Weights global, Map<String, Scalar> config) {
            List<Tensor> out = new ArrayList<>();
            for (Tensor t : global) {
                double[] v = t.toDoubleArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (t.dtype()) {
                        case BOOL -> 1 - v[i];
                        case UINT8 -> (v[i] + 1) % 256; // numpy wraps around
                        default -> v[i] + 1;
                    };
                }
                out.add(t.dtype() == DType.INT64
                        ? Tensor.ofLongs(t.name(), t.shape(), plusOne(t))
                        : Tensor.fromDoubles(t.name(), t.dtype(), t.shape(), v));
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("train_loss", 0.125);
            metrics.put("steps", 7L);
            metrics.put("optimizer", "sgd");
            metrics.put("converged", true);
            return new FitResult(new Weights(out), 32, metrics);
        }

        private static long[] plusOne(Tensor t) {
            long[] v = new long[(int) t.elementCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = t.getLong(i) + 1; // exact above 2^53, unlike a double round trip
            }
            return v;
        }

        @Override
        public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("accuracy", 0.875);
            metrics.put("correct", 14L);
            metrics.put("split", "val");
            metrics.put("is_final", false);
            return new EvaluateResult(0.123, 16, metrics);
        }

        @Override
        public Map<String, Object> properties(Map<String, Scalar> config) {
            if (!withProperties) {
                return null;
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("device", "cpu");
            p.put("num_cores", 4L);
            p.put("mem_gb", 1.5);
            p.put("has_gpu", false);
            p.put("serial_u64", BigInteger.TWO.pow(64).subtract(BigInteger.ONE));
            p.put("offset", -42L);
            p.put("token", new byte[] {(byte) 0xca, (byte) 0xfe});
            return p;
        }
    }

    private static ServerMessage golden(String name) throws Exception {
        return ServerMessage.parseFrom(Golden.capture(name));
    }

    @Test
    void getPropertiesNotImplementedIsByteIdenticalToStockClient() throws Exception {
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), false));
        ClientMessage reply = client.handle(ServerMessage.newBuilder()
                .setGetPropertiesIns(ServerMessage.GetPropertiesIns.getDefaultInstance()).build());
        assertArrayEquals(Golden.capture("client_reconnect-01-get_properties_res.bin"), reply.toByteArray());
    }

    @Test
    void disconnectResIsByteIdenticalToStockClient() throws Exception {
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), false));
        assertArrayEquals(Golden.capture("client-05-disconnect_res.tap.bin"),
                client.handle(golden("server-05-reconnect_ins.bin")).toByteArray());
        ServerMessage reconnectLater = ServerMessage.newBuilder()
                .setReconnectIns(ServerMessage.ReconnectIns.newBuilder().setSeconds(1)).build();
        assertArrayEquals(Golden.capture("client_reconnect-02-disconnect_res.tap.bin"),
                client.handle(reconnectLater).toByteArray(), "reason is RECONNECT whatever the seconds");
    }

    @Test
    void propertiesEqualStockClientReply() throws Exception {
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), true));
        ClientMessage reply = client.handle(ServerMessage.newBuilder()
                .setGetPropertiesIns(ServerMessage.GetPropertiesIns.getDefaultInstance()).build());
        // Message equality ignores map order, which varies on the wire.
        assertEquals(ClientMessage.parseFrom(Golden.capture("client-01-get_properties_res.bin")), reply);
    }

    @Test
    void getParametersEqualsStockClientReply() throws Exception {
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), false));
        ClientMessage reply = client.handle(golden("server_noinit-01-get_parameters_ins.bin"));
        ClientMessage stock = ClientMessage.parseFrom(Golden.capture("client-02-get_parameters_res.bin"));
        assertEquals(stock.getGetParametersRes().getStatus(), reply.getGetParametersRes().getStatus());
        assertTrue(FlowerTensors.toWeights(stock.getGetParametersRes().getParameters(), null)
                .contentEquals(FlowerTensors.toWeights(reply.getGetParametersRes().getParameters(), null)));
    }

    @Test
    void fitAndEvaluateEqualStockClientReplies() throws Exception {
        Weights arrays = goldenClientArrays();
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(arrays, true));
        ServerMessage fitIns = ServerMessage.newBuilder().setFitIns(ServerMessage.FitIns.newBuilder()
                .setParameters(FlowerTensors.toParameters(arrays))).build();
        ClientMessage.FitRes fit = client.handle(fitIns).getFitRes();
        ClientMessage.FitRes stockFit = ClientMessage.parseFrom(Golden.capture("client-03-fit_res.bin")).getFitRes();
        assertEquals(stockFit.getStatus(), fit.getStatus());
        assertEquals(stockFit.getNumExamples(), fit.getNumExamples());
        assertEquals(stockFit.getMetricsMap(), fit.getMetricsMap());
        assertTrue(FlowerTensors.toWeights(stockFit.getParameters(), null)
                .contentEquals(FlowerTensors.toWeights(fit.getParameters(), null)), "tensor contents");

        ServerMessage evalIns = ServerMessage.newBuilder().setEvaluateIns(ServerMessage.EvaluateIns.newBuilder()
                .setParameters(fit.getParameters())).build();
        assertEquals(ClientMessage.parseFrom(Golden.capture("client-04-evaluate_res.bin")), client.handle(evalIns));
    }

    @Test
    void fitOnStockServerFitInsUsesItsConfigAndShapes() throws Exception {
        ServerMessage fitIns = golden("server-01-fit_ins.bin");
        Weights serverModel = FlowerTensors.toWeights(fitIns.getFitIns().getParameters(), null);
        ArithmeticTrainer trainer = new ArithmeticTrainer(serverModel, 1.0, 0.5, 10);
        ClientMessage.FitRes res = new FlowerClient(trainer).handle(fitIns).getFitRes();
        assertEquals(Code.OK, res.getStatus().getCode());
        assertEquals(10, res.getNumExamples());
        assertEquals(1L, res.getMetricsMap().get("round_seen").getSint64(), "server_round read from the stock config");
        Weights back = FlowerTensors.toWeights(res.getParameters(), serverModel.names());
        assertEquals(null, serverModel.incompatibility(back));
        assertEquals(serverModel.get(0).getDouble(0) + 0.5, back.get(0).getDouble(0), 1e-6);
        Scalar seed = trainer.fitConfigs.get(0).get("seed_u64");
        assertEquals(new BigInteger("9223372036854775813"), org.synthray.flower.Scalars.value(seed));
    }

    @Test
    void trainerFailureIsReportedAsFailedFitNotACrash() throws Exception {
        Weights arrays = goldenClientArrays();
        FlowerClient client = new FlowerClient(new LocalTrainer() {
            @Override
            public Weights initialWeights() {
                return arrays;
            }

            @Override
            public FitResult fit(Weights global, Map<String, Scalar> config) {
                throw new IllegalStateException("disk full while caching images");
            }

            @Override
            public EvaluateResult evaluate(Weights global, Map<String, Scalar> config) {
                throw new IllegalStateException("no validation images");
            }
        });
        ServerMessage fitIns = ServerMessage.newBuilder().setFitIns(ServerMessage.FitIns.newBuilder()
                .setParameters(FlowerTensors.toParameters(arrays))).build();
        ClientMessage.FitRes res = client.handle(fitIns).getFitRes();
        assertEquals(Code.FIT_NOT_IMPLEMENTED, res.getStatus().getCode());
        assertTrue(res.getStatus().getMessage().contains("disk full"), res.getStatus().getMessage());
        assertEquals(0, res.getParameters().getTensorsCount());
    }

    @Test
    void wrongShapedModelIsReportedAsFailedFit() throws Exception {
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), false));
        // The stock server's 6-array model is not this client's 10-array model.
        ClientMessage.FitRes res = client.handle(golden("server-01-fit_ins.bin")).getFitRes();
        assertEquals(Code.FIT_NOT_IMPLEMENTED, res.getStatus().getCode());
        assertTrue(res.getStatus().getMessage().contains("expected 10 tensors, got 6"), res.getStatus().getMessage());
    }

    @Test
    void corruptTensorIsReportedWithItsIndex() throws Exception {
        Weights arrays = goldenClientArrays();
        var params = FlowerTensors.toParameters(arrays).toBuilder()
                .setTensors(3, ByteString.copyFrom(new byte[] {(byte) 0x93, 'N', 'U', 'M'})).build();
        ClientMessage.EvaluateRes res = new FlowerClient(new GoldenNumPyClient(arrays, false)).handle(
                ServerMessage.newBuilder().setEvaluateIns(ServerMessage.EvaluateIns.newBuilder().setParameters(params)).build())
                .getEvaluateRes();
        assertEquals(Code.EVALUATE_NOT_IMPLEMENTED, res.getStatus().getCode());
        assertTrue(res.getStatus().getMessage().contains("tensor 3"), res.getStatus().getMessage());
    }

    @Test
    void aBlobReferenceWithoutBlobTransferIsAClearFailure() throws Exception {
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), false));
        ServerMessage byRef = ServerMessage.newBuilder().setFitIns(org.synthray.flower.BlobRefs.fitIns(
                new org.synthray.blob.BlobRef("ab".repeat(32), 1000), Map.of())).build();
        ClientMessage.FitRes res = client.handle(byRef).getFitRes();
        assertEquals(Code.FIT_NOT_IMPLEMENTED, res.getStatus().getCode());
        assertTrue(res.getStatus().getMessage().contains("blob reference"), res.getStatus().getMessage());
    }

    @Test
    void unknownInstructionIsRefused() throws Exception {
        ServerMessage future = ServerMessage.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(9, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build())
                .build()).build();
        FlowerClient client = new FlowerClient(new GoldenNumPyClient(goldenClientArrays(), false));
        FlowerClient.UnknownInstructionException e = assertThrows(FlowerClient.UnknownInstructionException.class,
                () -> client.handle(ServerMessage.parseFrom(future.toByteArray())));
        assertTrue(e.getMessage().contains("[9]"), e.getMessage());
    }
}
