package org.synthray.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.synthray.auth.ClientCredentialsTokens;
import org.synthray.coordinator.testing.KeycloakResource;

/**
 * The token source of the site agent and the admin CLI against the real Keycloak: client-credentials
 * grant, discovery from the issuer, reuse while valid, refresh before expiry, and a clear error for
 * wrong credentials. Time is a clock the test moves, so nothing waits.
 */
class ClientCredentialsTokensTest {

    /** A clock that stands still until the test moves it. */
    static final class MovableClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    @Test
    void aTokenIsReusedWhileValidAndRefreshedBeforeItExpires() throws IOException {
        MovableClock clock = new MovableClock();
        ClientCredentialsTokens tokens = new ClientCredentialsTokens(KeycloakResource.issuer(), "nih-a",
                Tokens.SECRETS.get("nih-a"), HttpClient.newHttpClient(), clock);
        String first = tokens.token();
        assertEquals("nih-a", Tokens.claims(first).path("site_id").asText());
        assertEquals(1, tokens.fetchedCount());
        long lifetime = Tokens.claims(first).path("exp").asLong() - Tokens.claims(first).path("iat").asLong();
        assertEquals(300, lifetime, "the realm's access token lifespan");

        clock.now.set(clock.instant().plus(Duration.ofSeconds(lifetime - 61)));
        assertEquals(first, tokens.token(), "still more than a minute left: reused");
        assertEquals(1, tokens.fetchedCount());

        clock.now.set(clock.instant().plus(Duration.ofSeconds(2)));
        String second = tokens.token();
        assertEquals(2, tokens.fetchedCount(), "less than a minute left: refreshed before expiry");
        assertNotEquals(first, second);
        assertTrue(tokens.expiresAt().isAfter(clock.instant().plus(Duration.ofSeconds(lifetime - 5))));
    }

    @Test
    void theTokenEndpointMayBeGivenDirectly() throws IOException {
        String t = new ClientCredentialsTokens(KeycloakResource.issuer() + "/protocol/openid-connect/token", "nih-b",
                Tokens.SECRETS.get("nih-b")).token();
        assertEquals("nih-b", Tokens.claims(t).path("site_id").asText());
    }

    @Test
    void wrongCredentialsAreAClearError() {
        IOException e = assertThrows(IOException.class,
                () -> new ClientCredentialsTokens(KeycloakResource.issuer(), "nih-a", "wrong-secret").token());
        assertTrue(e.getMessage().contains("identity provider refused client 'nih-a'"), e.getMessage());
        IOException none = assertThrows(IOException.class,
                () -> new ClientCredentialsTokens(KeycloakResource.url() + "/realms/no-such-realm", "nih-a", "x").token());
        assertTrue(none.getMessage().contains("no OpenID Connect discovery document"), none.getMessage());
    }
}
