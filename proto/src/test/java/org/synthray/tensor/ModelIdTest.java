package org.synthray.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelIdTest {
    private static final Weights MODEL = Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 0.5f, -1.25f, 2f, 3.75f),
            Tensor.ofFloats("b", new int[] {2}, 0.125f, 3f));

    private static Weights convert(Weights w, DType dtype) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : w) {
            out.add(Tensor.fromDoubles(t.name(), dtype, t.shape(), t.toDoubleArray()));
        }
        return new Weights(out);
    }

    @Test
    void namesDoNotCountButOrderDoes() {
        Weights positional = Weights.of(MODEL.get(0).withName("t0"), MODEL.get(1).withName("t1"));
        assertEquals(ModelId.of(MODEL), ModelId.of(positional));
        assertNotEquals(ModelId.of(MODEL), ModelId.of(Weights.of(MODEL.get(1), MODEL.get(0))));
    }

    @Test
    void float16IsTheFloat32ItWidensTo() {
        Weights half = convert(MODEL, DType.FLOAT16);
        assertEquals(DType.FLOAT16, half.get(0).dtype());
        assertEquals(ModelId.of(MODEL), ModelId.of(half));
        assertEquals(ModelId.of(MODEL), ModelId.of(half.withFloat16Widened()));
        assertEquals(DType.FLOAT32, half.withFloat16Widened().get(1).dtype());
        assertNotEquals(ModelId.of(MODEL), ModelId.of(convert(MODEL, DType.FLOAT64)), "float64 is another model");
    }

    @Test
    void valuesAndShapesCount() {
        Weights changed = Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 0.5f, -1.25f, 2f, 3.5f), MODEL.get(1));
        assertNotEquals(ModelId.of(MODEL), ModelId.of(changed));
        Weights flat = Weights.of(Tensor.ofFloats("w", new int[] {4}, 0.5f, -1.25f, 2f, 3.75f), MODEL.get(1));
        assertNotEquals(ModelId.of(MODEL), ModelId.of(flat), "same bytes, other shape");
    }

    @Test
    void theFileEncodingDoesNotCount() throws Exception {
        Path dir = Files.createTempDirectory("model-id");
        Path canonical = dir.resolve("a.npz");
        Npz.write(MODEL, canonical);
        // The same tensors as another writer lays them out: float16 storage, other names.
        Path other = dir.resolve("b.npz");
        Npz.write(Weights.of(convert(MODEL, DType.FLOAT16).get(0).withName("layer/w"),
                convert(MODEL, DType.FLOAT16).get(1).withName("layer/b")), other);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(canonical), Files.readAllBytes(other)));
        assertEquals(ModelId.of(Npz.read(canonical)), ModelId.of(MappedNpz.read(other)));
    }

    /**
     * The public base model's identity as an independent implementation (numpy, docs/provenance.md)
     * computes it from its float16 {@code weights.npz}; {@code info.json} states the same.
     */
    @Test
    void theBaseModelsIdentityMatchesNumpysAndItsInfoJson() throws Exception {
        Path base = Path.of("..", "models", "base-cpu64");
        String id = ModelId.of(Npz.read(base.resolve("weights.npz")));
        assertEquals("d408210bdce68831838ae141f9f7fe0ad2fa86a62a85ae755a999c0a003d66f6", id);
        assertTrue(Files.readString(base.resolve("info.json")).contains("\"model_id\" : \"" + id + "\""));
    }

    @Test
    void onlyHexDigestsAreIdentities() {
        assertTrue(ModelId.isValid("ab".repeat(32)));
        assertFalse(ModelId.isValid("AB".repeat(32)));
        assertFalse(ModelId.isValid("../" + "a".repeat(61)));
        assertFalse(ModelId.isValid(null));
    }
}
