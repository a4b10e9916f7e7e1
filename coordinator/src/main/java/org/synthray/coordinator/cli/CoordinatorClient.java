package org.synthray.coordinator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.synthray.auth.CallerHeaders;
import org.synthray.auth.ClientCredentialsTokens;

/**
 * The admin CLI's HTTP client for the coordinator's REST API: adds the bearer token (when an issuer
 * is configured) and the user name, and turns a non-2xx answer into one clear {@link IOException}
 * carrying the coordinator's error message.
 */
final class CoordinatorClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** HTTP/1.1: a large download is then paced by TCP all the way to the coordinator's writes. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String url;
    private final String user;
    private final String clientId;
    private final ClientCredentialsTokens tokens;

    /**
     * @param user   who calls, sent as {@code X-SynthRay-User} (the ledger's actor with authentication off), or null
     * @param tokens token source, or null to send no token (authentication off)
     */
    CoordinatorClient(String url, String user, String clientId, ClientCredentialsTokens tokens) {
        this.url = url.replaceAll("/+$", "");
        this.user = user;
        this.clientId = clientId;
        this.tokens = tokens;
    }

    /** Sends a request and returns the body. */
    byte[] call(String method, String path, byte[] body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            rb.header("Content-Type", contentType);
        }
        String token = authorize(rb);
        HttpResponse<byte[]> res = send(rb, HttpResponse.BodyHandlers.ofByteArray());
        if (res.statusCode() / 100 != 2) {
            throw failure(res.statusCode(), res.body(), token);
        }
        return res.body();
    }

    JsonNode json(String method, String path, byte[] body, String contentType) throws IOException, InterruptedException {
        return JSON.readTree(call(method, path, body, contentType));
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        return json("GET", path, null, null);
    }

    /** POSTs {@code body} (any object, as JSON; null for none). */
    JsonNode post(String path, Object body) throws IOException, InterruptedException {
        return body == null ? json("POST", path, null, null)
                : json("POST", path, JSON.writeValueAsBytes(body), "application/json");
    }

    /** GETs {@code path} straight into {@code target} (through a temporary file; never whole in memory). */
    long download(String path, Path target) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(url + path)).GET();
        String token = authorize(rb);
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".download-", ".part");
        try {
            HttpResponse<Path> res = send(rb, HttpResponse.BodyHandlers.ofFile(tmp));
            if (res.statusCode() / 100 != 2) {
                throw failure(res.statusCode(), Files.readAllBytes(tmp), token);
            }
            long size = Files.size(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            return size;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder rb, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        try {
            return http.send(rb.build(), handler);
        } catch (ConnectException e) {
            throw new IOException("cannot reach the coordinator at " + url + " (is it running? set --url or SYNTHRAY_URL)");
        }
    }

    /** Adds the bearer token (when an issuer is configured) and the user name; returns the token or null. */
    private String authorize(HttpRequest.Builder rb) throws IOException {
        String token = tokens != null ? tokens.token() : null;
        if (token != null) {
            rb.header("Authorization", "Bearer " + token);
        }
        if (user != null && !user.isBlank()) {
            rb.header(CallerHeaders.USER, user);
        }
        return token;
    }

    /** The coordinator's error message, with what to do about 401 and a bare 403. */
    private IOException failure(int status, byte[] body, String token) {
        String message = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode err = JSON.readTree(body);
            if (err.has("error")) {
                message = err.get("error").asText();
            }
        } catch (IOException notJson) {
            // keep the raw body
        }
        if (status == 401) {
            message = "the coordinator did not accept our credentials"
                    + (token == null ? " (none sent: set --issuer and the client secret)" : "");
        } else if (status == 403 && message.isBlank()) {
            message = "client " + clientId + " lacks the role this needs";
        }
        return new IOException(message + " (HTTP " + status + ")");
    }
}
