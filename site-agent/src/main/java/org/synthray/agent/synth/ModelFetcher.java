package org.synthray.agent.synth;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.synthray.tensor.ModelId;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Weights;

/**
 * Fetches a global model version from the coordinator ({@code GET /api/models/{id}}, an
 * {@code .npz}) into a local cache, and accepts it only when its model identity ({@link ModelId})
 * is the version asked for. A cached copy is checked again before use. The tensors are named once,
 * when the file is decoded: by the site's model config, whatever names the file carries.
 */
public final class ModelFetcher {
    private final HttpClient http;

    public ModelFetcher() {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The weights of version {@code sha256}, verified, under the file's names (no authentication). */
    public Weights fetch(URI coordinator, String sha256, Path cacheDir) throws IOException {
        return fetch(coordinator, sha256, cacheDir, null, null);
    }

    /**
     * The weights of version {@code sha256}, verified.
     *
     * @param tokens the site's token source when the coordinator requires authentication, else null
     * @param names  the site's model config's tensor names, in order, or null for the file's names
     * @throws IllegalArgumentException when the version has another number of tensors than {@code names}
     */
    public Weights fetch(URI coordinator, String sha256, Path cacheDir, org.synthray.auth.ClientCredentialsTokens tokens,
                         java.util.List<String> names) throws IOException {
        if (!ModelId.isValid(sha256)) {
            throw new IllegalArgumentException("--model-version must be a model's identity (64 lowercase hex digits), not '"
                    + sha256 + "'");
        }
        Path cached = cacheDir.resolve(sha256 + ".npz");
        if (Files.isRegularFile(cached)) {
            try {
                Weights w = named(Npz.read(cached), names);
                if (w.modelId().equals(sha256)) {
                    return w;
                }
            } catch (IOException | RuntimeException e) {
                // fall through: fetch it again
            }
            Files.deleteIfExists(cached);
        }
        Files.createDirectories(cacheDir);
        URI uri = URI.create(coordinator.toString().replaceAll("/+$", "") + "/api/models/" + sha256);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30)).GET();
        if (tokens != null) {
            rb.header("Authorization", "Bearer " + tokens.token());
        }
        HttpRequest req = rb.build();
        Path tmp = Files.createTempFile(cacheDir, "." + sha256, ".npz.part");
        try {
            HttpResponse<InputStream> resp;
            try {
                resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            } catch (ConnectException | HttpTimeoutException e) {
                throw new IOException("coordinator unreachable at " + coordinator + " (" + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching model " + sha256, e);
            }
            try (InputStream in = resp.body()) {
                if (resp.statusCode() == 404) {
                    throw new IOException("the coordinator at " + coordinator + " has no model " + sha256);
                }
                if (resp.statusCode() != 200) {
                    throw new IOException("the coordinator at " + coordinator + " answered HTTP " + resp.statusCode()
                            + " for model " + sha256);
                }
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Weights w;
            try {
                w = Npz.read(tmp);
            } catch (IOException | RuntimeException e) {
                throw new IOException("the model downloaded from " + uri + " is not a readable .npz: " + e.getMessage(), e);
            }
            String got = w.modelId();
            if (!got.equals(sha256)) {
                throw new IOException("the model downloaded from " + uri + " is model " + got + ", not " + sha256
                        + ": refused");
            }
            w = named(w, names);
            Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING);
            return w;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The tensors in file order under the config's names (the identity does not depend on names). */
    private static Weights named(Weights w, java.util.List<String> names) {
        if (names == null) {
            return w;
        }
        if (names.size() != w.size()) {
            throw new IllegalArgumentException("model " + w.modelId() + " has " + w.size() + " tensors; the model config has "
                    + names.size());
        }
        java.util.List<org.synthray.tensor.Tensor> out = new java.util.ArrayList<>(w.size());
        for (int i = 0; i < w.size(); i++) {
            out.add(w.get(i).name().equals(names.get(i)) ? w.get(i) : w.get(i).withName(names.get(i)));
        }
        return new Weights(out);
    }
}
