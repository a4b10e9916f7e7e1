package org.synthray.flower;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.Parameters;
import org.synthray.flower.proto.Scalar;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

class BlobRefsTest {
    static final BlobRef REF = new BlobRef(Sha256.of("model".getBytes()), 3_000_000_000L);

    @Test
    void fitInsCarriesEmptyParametersAndTheRefInItsConfig() throws Exception {
        ServerMessage.FitIns ins = BlobRefs.fitIns(REF, Scalars.map(Map.of("lr", 0.01, "server_round", 3L)));
        // Survives the wire.
        ins = ServerMessage.FitIns.parseFrom(ins.toByteArray());
        assertEquals("synthray.blob", ins.getParameters().getTensorType());
        assertEquals(0, ins.getParameters().getTensorsCount());
        assertTrue(BlobRefs.isReference(ins.getParameters()));
        assertEquals(REF.sha256(), ins.getConfigOrThrow("synthray.blob.sha256").getString());
        assertEquals(REF.size(), ins.getConfigOrThrow("synthray.blob.size").getSint64());
        assertEquals(0.01, ins.getConfigOrThrow("lr").getDouble());
        assertEquals(Optional.of(REF), BlobRefs.find(ins));
    }

    @Test
    void fitResCarriesTheRefInItsMetrics() {
        ClientMessage.FitRes res = BlobRefs.fitRes(REF, 120, Scalars.map(Map.of("train_loss", 0.5)));
        assertEquals(Optional.of(REF), BlobRefs.find(res));
        assertEquals(120, res.getNumExamples());
        assertEquals(Map.of("train_loss", Scalars.of(0.5)), BlobRefs.withoutRef(res.getMetricsMap()));
        ServerMessage.EvaluateIns ev = BlobRefs.evaluateIns(REF, Map.of());
        assertEquals(Optional.of(REF), BlobRefs.find(ev));
    }

    @Test
    void ordinaryParametersAreNotReferences() {
        Weights w = Weights.of(Tensor.ofFloats("w", new int[] {2}, 1, 2));
        Parameters p = FlowerTensors.toParameters(w);
        assertFalse(BlobRefs.isReference(p));
        assertEquals(Optional.empty(), BlobRefs.find(p, Map.of()));
        assertFalse(BlobRefs.isReference(Parameters.getDefaultInstance()));
    }

    @Test
    void thresholdComparesTheEncodedParametersSize() {
        Weights w = Weights.of(Tensor.ofFloats("w", new int[] {100}, new float[100])); // 128 + 400 bytes
        assertEquals(528, BlobRefs.encodedSize(w));
        assertEquals(FlowerTensors.toParameters(w).getTensors(0).size(), BlobRefs.encodedSize(w));
        assertTrue(BlobRefs.exceedsThreshold(w, 527));
        assertFalse(BlobRefs.exceedsThreshold(w, 528));
    }

    @Test
    void invalidReferencesAreRefusedWithTheReason() {
        Parameters ref = BlobRefs.referenceParameters();
        Scalar sha = Scalars.of(REF.sha256());
        Scalar size = Scalars.of(10L);
        assertMessage("lacks synthray.blob.size", () -> BlobRefs.find(ref, Map.of("synthray.blob.sha256", sha)));
        assertMessage("lacks synthray.blob.sha256", () -> BlobRefs.find(ref, Map.of("synthray.blob.size", size)));
        assertMessage("not 64 lowercase hex", () -> BlobRefs.find(ref,
                Map.of("synthray.blob.sha256", Scalars.of("../../etc/passwd"), "synthray.blob.size", size)));
        assertMessage("expected a string", () -> BlobRefs.find(ref,
                Map.of("synthray.blob.sha256", Scalars.of(5L), "synthray.blob.size", size)));
        assertMessage("expected an integer", () -> BlobRefs.find(ref,
                Map.of("synthray.blob.sha256", sha, "synthray.blob.size", Scalars.of(1.5))));
        assertMessage(">= 0", () -> BlobRefs.find(ref,
                Map.of("synthray.blob.sha256", sha, "synthray.blob.size", Scalars.of(-1L))));
        Parameters withTensors = ref.toBuilder().addTensors(ByteString.copyFromUtf8("x")).build();
        assertMessage("carries 1 tensors", () -> BlobRefs.find(withTensors,
                Map.of("synthray.blob.sha256", sha, "synthray.blob.size", size)));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
