package org.synthray.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.synthray.flower.FlowerTensors;
import org.synthray.flower.Scalars;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.flower.proto.Status;
import org.synthray.tensor.Npy;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * Every golden capture from a real Flower 1.23.0 peer decodes, with SynthRay's generated classes and
 * .npy codec, to exactly what index.json records. Decoded content is compared, never re-serialised
 * bytes, because protobuf map order varies between runs.
 */
class GoldenCaptureConformanceTest {

    static Stream<JsonNode> captures() {
        return Golden.files().stream();
    }

    @Test
    void allTwentyCapturesAreIndexed() {
        assertEquals(20, Golden.files().size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void captureDecodesAsIndexed(JsonNode entry) throws Exception {
        byte[] bytes = Golden.bytes(entry.get("file").asText());
        assertEquals(entry.get("bytes").asInt(), bytes.length, "size");
        assertEquals(entry.get("sha256").asText(), sha256(bytes), "sha256 of capture file");
        if (entry.has("hex")) {
            assertEquals(entry.get("hex").asText(), HexFormat.of().formatHex(bytes));
        }
        JsonNode decoded = entry.get("decoded");
        String kind = entry.get("kind").asText();

        Message inner;
        int oneofNumber;
        if (entry.get("message").asText().equals("flwr.proto.ServerMessage")) {
            ServerMessage m = ServerMessage.parseFrom(bytes);
            assertEquals(kind, m.getMsgCase().name().toLowerCase());
            oneofNumber = m.getMsgCase().getNumber();
            inner = (Message) m.getField(m.getDescriptorForType().findFieldByNumber(oneofNumber));
        } else {
            ClientMessage m = ClientMessage.parseFrom(bytes);
            assertEquals(kind, m.getMsgCase().name().toLowerCase());
            oneofNumber = m.getMsgCase().getNumber();
            inner = (Message) m.getField(m.getDescriptorForType().findFieldByNumber(oneofNumber));
        }
        assertEquals(decoded.get("oneof_field_number").asInt(), oneofNumber);
        assertEquals(ints(decoded.get("inner_fields_present_on_wire")), fieldsPresent(inner), "fields present on the wire");

        switch (kind) {
            case "reconnect_ins" -> {
                ServerMessage.ReconnectIns r = (ServerMessage.ReconnectIns) inner;
                assertEquals(decoded.get("seconds").asLong(), r.getSeconds());
            }
            case "get_properties_ins", "get_parameters_ins" -> {
                @SuppressWarnings("unchecked")
                Map<String, Scalar> config = (Map<String, Scalar>) mapField(inner, "config");
                assertScalarMap(decoded.get("config"), config);
            }
            case "fit_ins" -> {
                ServerMessage.FitIns f = (ServerMessage.FitIns) inner;
                assertParameters(decoded.get("parameters"), f.getParameters());
                assertScalarMap(decoded.get("config"), f.getConfigMap());
            }
            case "evaluate_ins" -> {
                ServerMessage.EvaluateIns e = (ServerMessage.EvaluateIns) inner;
                assertParameters(decoded.get("parameters"), e.getParameters());
                assertScalarMap(decoded.get("config"), e.getConfigMap());
            }
            case "disconnect_res" -> {
                ClientMessage.DisconnectRes d = (ClientMessage.DisconnectRes) inner;
                assertEquals(decoded.get("reason").asText(), d.getReason().name());
                assertEquals(decoded.get("reason_value").asInt(), d.getReasonValue());
            }
            case "get_properties_res" -> {
                ClientMessage.GetPropertiesRes p = (ClientMessage.GetPropertiesRes) inner;
                assertStatus(decoded.get("status"), p.getStatus());
                assertScalarMap(decoded.get("properties"), p.getPropertiesMap());
            }
            case "get_parameters_res" -> {
                ClientMessage.GetParametersRes p = (ClientMessage.GetParametersRes) inner;
                assertStatus(decoded.get("status"), p.getStatus());
                assertParameters(decoded.get("parameters"), p.getParameters());
            }
            case "fit_res" -> {
                ClientMessage.FitRes f = (ClientMessage.FitRes) inner;
                assertStatus(decoded.get("status"), f.getStatus());
                assertParameters(decoded.get("parameters"), f.getParameters());
                assertEquals(decoded.get("num_examples").asLong(), f.getNumExamples());
                assertScalarMap(decoded.get("metrics"), f.getMetricsMap());
            }
            case "evaluate_res" -> {
                ClientMessage.EvaluateRes e = (ClientMessage.EvaluateRes) inner;
                assertStatus(decoded.get("status"), e.getStatus());
                assertEquals(decoded.get("num_examples").asLong(), e.getNumExamples());
                int bits = Integer.parseUnsignedInt(decoded.get("loss_float32_bits").asText().substring(2), 16);
                assertEquals(bits, Float.floatToRawIntBits(e.getLoss()), "loss float32 bits");
                assertEquals(decoded.get("loss").asDouble(), (double) e.getLoss());
                assertScalarMap(decoded.get("metrics"), e.getMetricsMap());
            }
            default -> throw new AssertionError("unexpected kind " + kind);
        }
    }

    /** Every tensor file decodes to the dtype, shape and values recorded, and matches the bytes in its message. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void tensorsMatchTheirNpyFiles(JsonNode entry) throws Exception {
        JsonNode params = entry.get("decoded").get("parameters");
        if (params == null) {
            return;
        }
        Parameters wire = parametersOf(entry);
        for (JsonNode t : params.get("tensors")) {
            byte[] file = Golden.bytes(t.get("npy_file").asText());
            assertEquals(t.get("sha256").asText(), sha256(file));
            assertArrayEquals(file, wire.getTensors(t.get("index").asInt()).toByteArray(),
                    "tensor bytes inside the message equal the .npy file");
            Tensor decoded = Npy.read(file, "t");
            assertTensor(t, decoded);
        }
    }

    /** SynthRay writes .npy exactly as numpy 1.24's np.save: every C-ordered golden tensor round-trips byte for byte. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("captures")
    void npyWriterReproducesNumpyBytes(JsonNode entry) {
        JsonNode params = entry.get("decoded").get("parameters");
        if (params == null) {
            return;
        }
        for (JsonNode t : params.get("tensors")) {
            byte[] file = Golden.bytes(t.get("npy_file").asText());
            Tensor decoded = Npy.read(file, "t");
            byte[] header = Npy.header(decoded);
            assertEquals(t.get("data_offset").asInt(), header.length, "data offset");
            if (!t.get("fortran_order").asBoolean()) {
                assertArrayEquals(file, Npy.write(decoded), t.get("npy_file").asText());
            } else {
                // Written back in C order with the same logical values.
                Tensor again = Npy.read(Npy.write(decoded), "t");
                assertTrue(decoded.contentEquals(again));
                assertFalse(new String(Npy.write(decoded), 0, 128).contains("True"));
            }
        }
    }

    @Test
    void fortranOrderedTensorIsReorderedToRowMajor() {
        JsonNode t = Golden.entry("client-02-get_parameters_res.bin").get("decoded").get("parameters").get("tensors").get(9);
        assertTrue(t.get("fortran_order").asBoolean());
        Tensor decoded = Npy.read(Golden.bytes(t.get("npy_file").asText()), "f");
        assertArrayEquals(new float[] {0, 2, 4, 1, 3, 5}, decoded.toFloatArray());
        assertArrayEquals(new int[] {2, 3}, decoded.shape());
    }

    @Test
    void parametersConvertToNamedWeightsAndBack() throws Exception {
        Parameters wire = parametersOf(Golden.entry("server-01-fit_ins.bin"));
        List<String> names = List.of("w", "conv", "scalar", "bias", "f64", "steps");
        Weights w = FlowerTensors.toWeights(wire, names);
        assertEquals(names, w.names());
        assertEquals(0, w.get("scalar").rank());
        Parameters again = FlowerTensors.toParameters(w);
        assertEquals(wire, again, "numpy-written C-order tensors re-encode to identical Parameters");
    }

    private static Parameters parametersOf(JsonNode entry) throws Exception {
        byte[] bytes = Golden.bytes(entry.get("file").asText());
        if (entry.get("message").asText().equals("flwr.proto.ServerMessage")) {
            ServerMessage m = ServerMessage.parseFrom(bytes);
            return m.hasFitIns() ? m.getFitIns().getParameters() : m.getEvaluateIns().getParameters();
        }
        ClientMessage m = ClientMessage.parseFrom(bytes);
        return m.hasFitRes() ? m.getFitRes().getParameters() : m.getGetParametersRes().getParameters();
    }

    private static void assertParameters(JsonNode expected, Parameters p) {
        assertEquals(expected.get("tensor_type").asText(), p.getTensorType());
        assertEquals(expected.get("num_tensors").asInt(), p.getTensorsCount());
        for (JsonNode t : expected.get("tensors")) {
            Tensor decoded = Npy.read(p.getTensors(t.get("index").asInt()).asReadOnlyByteBuffer(), "t");
            assertTensor(t, decoded);
        }
    }

    private static void assertTensor(JsonNode t, Tensor decoded) {
        String where = t.get("npy_file").asText();
        assertEquals(t.get("descr").asText(), decoded.dtype().descr(), where);
        assertArrayEquals(intArray(t.get("shape")), decoded.shape(), where);
        assertEquals(t.get("size").asLong(), decoded.elementCount(), where);
        assertEquals(t.get("data_bytes").asInt(), decoded.byteSize(), where);
        JsonNode first = t.get("first_values");
        for (int i = 0; i < first.size(); i++) {
            JsonNode v = first.get(i);
            switch (decoded.dtype()) {
                case BOOL -> assertEquals(v.asBoolean() ? 1L : 0L, decoded.getLong(i), where + "[" + i + "]");
                case INT64, INT32, UINT8 -> assertEquals(v.bigIntegerValue().longValueExact(), decoded.getLong(i), where + "[" + i + "]");
                default -> assertEquals(v.asDouble(), decoded.getDouble(i), 0.0, where + "[" + i + "]");
            }
        }
    }

    private static void assertStatus(JsonNode expected, Status s) {
        assertEquals(expected.get("code").asText(), s.getCode().name());
        assertEquals(expected.get("code_value").asInt(), s.getCodeValue());
        assertEquals(expected.get("message").asText(), s.getMessage());
    }

    private static void assertScalarMap(JsonNode expected, Map<String, Scalar> actual) {
        List<String> keys = new ArrayList<>();
        expected.fieldNames().forEachRemaining(keys::add);
        assertEquals(new TreeSet<>(keys), new TreeSet<>(actual.keySet()), "map keys");
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Scalar s = actual.get(e.getKey());
            String scalarCase = e.getValue().fieldNames().next();
            JsonNode v = e.getValue().get(scalarCase);
            assertEquals(scalarCase, s.getScalarCase().name().toLowerCase(), "Scalar case of " + e.getKey());
            Object value = Scalars.value(s);
            switch (scalarCase) {
                case "double" -> assertEquals(v.asDouble(), (Double) value, 0.0, e.getKey());
                case "sint64" -> assertEquals(v.bigIntegerValue().longValueExact(), value, e.getKey());
                case "uint64" -> assertEquals(v.bigIntegerValue(), (BigInteger) value, e.getKey());
                case "bool" -> assertEquals(v.asBoolean(), value, e.getKey());
                case "string" -> assertEquals(v.asText(), value, e.getKey());
                case "bytes" -> assertEquals(v.asText(), HexFormat.of().formatHex(((ByteString) value).toByteArray()), e.getKey());
                default -> throw new AssertionError("unknown Scalar case " + scalarCase);
            }
        }
    }

    private static Object mapField(Message m, String name) {
        FieldDescriptor fd = m.getDescriptorForType().findFieldByName(name);
        Map<String, Scalar> out = new java.util.LinkedHashMap<>();
        for (Object o : (List<?>) m.getField(fd)) {
            Message entry = (Message) o;
            out.put((String) entry.getField(entry.getDescriptorForType().findFieldByName("key")),
                    (Scalar) entry.getField(entry.getDescriptorForType().findFieldByName("value")));
        }
        return out;
    }

    private static TreeSet<Integer> fieldsPresent(Message m) {
        TreeSet<Integer> out = new TreeSet<>();
        m.getAllFields().keySet().forEach(fd -> out.add(fd.getNumber()));
        return out;
    }

    private static TreeSet<Integer> ints(JsonNode array) {
        TreeSet<Integer> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static int[] intArray(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
