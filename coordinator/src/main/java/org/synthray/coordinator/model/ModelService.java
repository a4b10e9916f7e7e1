package org.synthray.coordinator.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.ModelRecord;
import org.synthray.json.CanonicalJson;
import org.synthray.tensor.MappedNpz;
import org.synthray.tensor.Weights;

/**
 * What admins and sites do with models over REST: upload a base model, say how it was made, look
 * one up, download it. The weights themselves live in the {@link ModelStore}.
 */
@ApplicationScoped
public class ModelService {
    /** A provenance document larger than this is refused (an {@code info.json} is under 1 KB). */
    public static final int MAX_PROVENANCE_CHARS = 16_384;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ModelStore models;

    @Inject
    Ledger ledger;

    /**
     * A model as the API shows it: its identity ({@code sha256}, the {@link org.synthray.tensor.ModelId}),
     * the blob that holds it, counts, and how it was made.
     */
    public record ModelView(String sha256, String blobSha256, long sizeBytes, int tensors, long parameters, String config,
                            JsonNode provenance) {
    }

    /**
     * Stores an uploaded {@code .npz} (spooled to a file and memory-mapped, so a model of any size
     * passes without filling the heap). Float16 tensors are widened to float32, which the federation
     * computes in; the model's identity is the same either way.
     *
     * @throws IllegalArgumentException when the bytes are not a usable {@code .npz} model
     */
    public ModelView upload(InputStream body, String actor) throws IOException {
        Path tmp = Files.createTempFile("synthray-upload-", ".npz");
        try {
            Files.copy(body, tmp, StandardCopyOption.REPLACE_EXISTING);
            Weights w;
            try {
                w = MappedNpz.read(tmp);
            } catch (IllegalArgumentException | IOException e) {
                throw new IllegalArgumentException("not a usable .npz model: " + e.getMessage());
            }
            if (w.size() == 0) {
                throw new IllegalArgumentException("not a usable .npz model: no .npy arrays in it (numpy.savez writes one per array)");
            }
            ModelStore.Stored s = models.put(w.withFloat16Widened());
            Map<String, Object> e = CanonicalJson.object();
            e.put("model", s.id());
            e.put("blob_sha256", s.blobSha256());
            e.put("size_bytes", s.sizeBytes());
            e.put("parameters", s.parameters());
            QuarkusTransaction.requiringNew().run(() -> ledger.append(actor, EventType.MODEL_UPLOADED, e));
            return find(s.id()).orElseThrow();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Records how a stored model was made: a JSON object such as a checkpoint's {@code info.json}
     * (training data, config, seed, steps). Its {@code config} names the model config, so runs of
     * that config name the tensors they receive from Flower after this model.
     *
     * @throws NoSuchFileException      when no such model is stored
     * @throws IllegalArgumentException when the document is not a JSON object, too large, or names
     *                                  an invalid config
     */
    public ModelView describe(String id, String provenanceJson, String actor) throws IOException {
        if (provenanceJson == null || provenanceJson.length() > MAX_PROVENANCE_CHARS) {
            throw new IllegalArgumentException("a model's provenance is a JSON object of at most " + MAX_PROVENANCE_CHARS
                    + " characters");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(provenanceJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("a model's provenance must be JSON: " + e.getOriginalMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new IllegalArgumentException("a model's provenance must be a JSON object");
        }
        String config = doc.path("config").isTextual() ? doc.get("config").asText() : null;
        if (config != null && !config.matches("[A-Za-z0-9._-]{1,60}")) {
            throw new IllegalArgumentException("config must be a config name (letters, digits, '.', '_', '-')");
        }
        String canonical = CanonicalJson.write(CanonicalJson.parse(provenanceJson));
        boolean found = QuarkusTransaction.requiringNew().call(() -> {
            ModelRecord r = ModelRecord.findById(id);
            if (r == null) {
                return false;
            }
            r.configName = config;
            r.provenance = canonical;
            Map<String, Object> e = CanonicalJson.object();
            e.put("model", id);
            e.put("config", config);
            e.put("provenance", CanonicalJson.parse(canonical));
            ledger.append(actor, EventType.MODEL_DESCRIBED, e);
            return true;
        });
        if (!found) {
            throw new NoSuchFileException("no model " + id);
        }
        return find(id).orElseThrow();
    }

    /** A stored model; empty when there is none with this id. */
    public Optional<ModelView> find(String id) {
        if (models.find(id).isEmpty()) {
            return Optional.empty();
        }
        return QuarkusTransaction.joiningExisting().call(() -> ModelRecord.<ModelRecord>findByIdOptional(id).map(ModelService::view));
    }

    /** The model's canonical {@code .npz}. @throws NoSuchFileException when there is none */
    public InputStream open(String id) throws IOException {
        return models.open(id);
    }

    private static ModelView view(ModelRecord r) {
        JsonNode prov = null;
        if (r.provenance != null) {
            try {
                prov = JSON.readTree(r.provenance);
            } catch (IOException e) {
                throw new IllegalStateException("stored provenance of model " + r.id + " is not JSON", e);
            }
        }
        return new ModelView(r.id, r.blobSha256, r.sizeBytes, r.tensorCount, r.parameterCount, r.configName, prov);
    }
}
