package org.synthray.coordinator.security;

import io.smallrye.jwt.build.Jwt;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.synthray.auth.ClientCredentialsTokens;
import org.synthray.coordinator.testing.KeycloakResource;

/** Tokens for the security tests: real ones from the test Keycloak, and forged ones. */
final class Tokens {
    /** Client secrets of the realm export (infra/keycloak/synthray-realm.json; local demo values). */
    static final Map<String, String> SECRETS = Map.of(
            "synthray-admin-cli", "admin-cli-demo-secret",
            "synthray-researcher-cli", "researcher-cli-demo-secret",
            "synthray-no-audience", "no-audience-demo-secret",
            "synthray-short-lived", "short-lived-demo-secret",
            "nih-a", "site-nih-a-demo-secret",
            "nih-b", "site-nih-b-demo-secret",
            "hannover", "site-hannover-demo-secret",
            "charite", "site-charite-demo-secret",
            "leipzig", "site-leipzig-demo-secret");

    /**
     * Bearer values that are not a JWT at all (or only look like one): each must be refused as
     * unauthenticated without a call to the identity provider.
     */
    static final List<String> MALFORMED = List.of(".", "..", "...", "a.b", "a.b.c", "a..c", "not-a-jwt",
            "e30.e30.", "e30.e30.e30", "!!!.???.***", "eyJhbGciOiJub25lIn0.bm90IGpzb24.", "x".repeat(4000));

    private Tokens() {
    }

    static ClientCredentialsTokens source(String client) {
        return new ClientCredentialsTokens(KeycloakResource.issuer(), client, SECRETS.get(client));
    }

    /** A fresh access token for a client of the synthray realm. */
    static String of(String client) {
        try {
            return source(client).token();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final String ADMIN = "synthray-admin-cli";
    static final String RESEARCHER = "synthray-researcher-cli";

    /** A token of realm synthray-other for a client with the same id, secret, roles and site claim. */
    static String fromOtherRealm() {
        try {
            return new ClientCredentialsTokens(KeycloakResource.url() + "/realms/synthray-other", "nih-a",
                    SECRETS.get("nih-a")).token();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A token of synthray-short-lived (2 s lifetime), returned once it has expired. */
    static String expired() throws InterruptedException {
        String t = of("synthray-short-lived");
        long exp = claims(t).path("exp").asLong();
        // Wait for the token's own expiry to pass (a second more for clock granularity).
        while (Instant.now().getEpochSecond() <= exp + 1) {
            Thread.sleep(250);
        }
        return t;
    }

    /**
     * A token with every claim a real site token of {@code site} has (issuer, audience, roles,
     * site_id, the realm key's kid), signed by an RSA key this test made.
     */
    static String forged(String site, String... roles) {
        com.fasterxml.jackson.databind.JsonNode real = header(of(site));
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair keys = g.generateKeyPair();
            return Jwt.issuer(KeycloakResource.issuer()).audience("synthray-api").subject("forged-" + site)
                    .claim("azp", site).claim("site_id", site).claim("typ", "Bearer")
                    .claim("realm_access", Map.of("roles", List.of(roles)))
                    .claim("preferred_username", "service-account-" + site)
                    .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(300))
                    .jws().keyId(real.path("kid").asText()).sign(keys.getPrivate());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static com.fasterxml.jackson.databind.JsonNode claims(String jwt) {
        return part(jwt, 1);
    }

    static com.fasterxml.jackson.databind.JsonNode header(String jwt) {
        return part(jwt, 0);
    }

    private static com.fasterxml.jackson.databind.JsonNode part(String jwt, int i) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[i]));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
