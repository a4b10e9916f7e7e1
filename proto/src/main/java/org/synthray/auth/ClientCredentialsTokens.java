package org.synthray.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Access tokens from an OpenID Connect provider (Keycloak) with the OAuth 2.0 client-credentials
 * grant: what a site agent and the admin command line present as {@code Authorization: Bearer}.
 * A token is reused until it is close to expiry ({@link #refreshMargin}: a quarter of its lifetime,
 * at most 60 s), then a fresh one is fetched, so a call never leaves with a token that expires on the way.
 * Thread-safe.
 */
public final class ClientCredentialsTokens {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String clientId;
    private final String clientSecret;
    private final String issuer;
    private volatile URI tokenEndpoint;
    private final HttpClient http;
    private final Clock clock;

    private String token;
    private Instant refreshAt = Instant.MIN;
    private Instant expiresAt = Instant.MIN;
    private int fetched;

    /**
     * Tokens as a command line configures them (the site agent's and the admin CLI's {@code --issuer},
     * {@code --client-id}, {@code --client-secret-file}), or null without an issuer: authentication off.
     *
     * @param secretFile file holding the client secret, or null to read environment variable {@code secretEnv}
     * @throws IllegalArgumentException when an issuer is set but no secret is found
     */
    public static ClientCredentialsTokens configured(String issuer, String clientId, java.nio.file.Path secretFile,
                                                     String secretEnv) throws IOException {
        if (issuer == null || issuer.isBlank()) {
            return null;
        }
        String secret = secretFile != null ? java.nio.file.Files.readString(secretFile).trim() : System.getenv(secretEnv);
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("--issuer needs the client secret: --client-secret-file FILE or env " + secretEnv);
        }
        return new ClientCredentialsTokens(issuer, clientId, secret);
    }

    /**
     * @param tokenEndpointOrIssuer the token endpoint ({@code .../protocol/openid-connect/token}) or the issuer
     *     ({@code https://keycloak.example/realms/synthray}), whose discovery document names the endpoint
     */
    public ClientCredentialsTokens(String tokenEndpointOrIssuer, String clientId, String clientSecret) {
        this(tokenEndpointOrIssuer, clientId, clientSecret, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
                Clock.systemUTC());
    }

    public ClientCredentialsTokens(String tokenEndpointOrIssuer, String clientId, String clientSecret, HttpClient http, Clock clock) {
        Objects.requireNonNull(tokenEndpointOrIssuer, "token endpoint or issuer");
        this.clientId = Objects.requireNonNull(clientId, "client id");
        this.clientSecret = Objects.requireNonNull(clientSecret, "client secret");
        this.http = http;
        this.clock = clock;
        String t = tokenEndpointOrIssuer.replaceAll("/+$", "");
        if (t.endsWith("/token")) {
            this.tokenEndpoint = URI.create(t);
            this.issuer = null;
        } else {
            this.issuer = t;
        }
    }

    public String clientId() {
        return clientId;
    }

    /** How many tokens were fetched so far (refreshes included). */
    public synchronized int fetchedCount() {
        return fetched;
    }

    /** When the current token expires ({@link Instant#MIN} before the first fetch). */
    public synchronized Instant expiresAt() {
        return expiresAt;
    }

    /** A valid access token: the cached one, or a fresh one when it is close to expiry. */
    public synchronized String token() throws IOException {
        if (token == null || !clock.instant().isBefore(refreshAt)) {
            fetch();
        }
        return token;
    }

    /** Forgets the cached token (e.g. after the server refused it), so the next call fetches one. */
    public synchronized void invalidate() {
        token = null;
    }

    static Duration refreshMargin(Duration lifetime) {
        Duration quarter = lifetime.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : quarter;
    }

    private void fetch() throws IOException {
        URI endpoint = endpoint();
        String form = "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret=" + enc(clientSecret);
        HttpRequest req = HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        Instant asked = clock.instant();
        HttpResponse<String> res = send(req, endpoint);
        JsonNode body = parse(res.body());
        if (res.statusCode() != 200 || body == null || !body.hasNonNull("access_token")) {
            String why = body != null && body.has("error")
                    ? body.get("error").asText() + (body.hasNonNull("error_description") ? ": " + body.get("error_description").asText() : "")
                    : "HTTP " + res.statusCode();
            throw new IOException("identity provider refused client '" + clientId + "' at " + endpoint + " (" + why + ")");
        }
        token = body.get("access_token").asText();
        Duration lifetime = Duration.ofSeconds(body.path("expires_in").asLong(60));
        expiresAt = asked.plus(lifetime);
        refreshAt = expiresAt.minus(refreshMargin(lifetime));
        fetched++;
    }

    private URI endpoint() throws IOException {
        if (tokenEndpoint == null) {
            URI discovery = URI.create(issuer + "/.well-known/openid-configuration");
            HttpResponse<String> res = send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(30)).GET().build(), discovery);
            JsonNode doc = parse(res.body());
            if (res.statusCode() != 200 || doc == null || !doc.hasNonNull("token_endpoint")) {
                throw new IOException("no OpenID Connect discovery document at " + discovery + " (HTTP " + res.statusCode() + ")");
            }
            tokenEndpoint = URI.create(doc.get("token_endpoint").asText());
        }
        return tokenEndpoint;
    }

    private HttpResponse<String> send(HttpRequest req, URI where) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot reach the identity provider at " + where, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + where + " for a token", e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
