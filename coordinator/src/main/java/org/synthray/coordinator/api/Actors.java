package org.synthray.coordinator.api;

import jakarta.ws.rs.core.HttpHeaders;

/**
 * Who makes a REST call, for the ledger: the authenticated caller when authentication is on; with it
 * off (a single-operator deployment or the tests), callers may name themselves in the
 * {@code X-SynthRay-User} header (the admin CLI sends {@code --user}).
 */
public final class Actors {
    public static final String USER_HEADER = "X-SynthRay-User";

    private Actors() {
    }

    /** The authenticated caller's actor; else {@code admin:<user>}, or {@code admin} when the caller named no one. */
    public static String admin(HttpHeaders headers) {
        String authenticated = authenticated();
        if (authenticated != null) {
            return authenticated;
        }
        return org.synthray.coordinator.ledger.Actors.admin(user(headers));
    }

    /** {@code researcher:<user>}, or {@code researcher} when the caller named no one. */
    public static String researcher(HttpHeaders headers) {
        String authenticated = authenticated();
        if (authenticated != null) {
            return authenticated;
        }
        String u = user(headers);
        return u == null ? "researcher" : "researcher:" + u;
    }

    /** With authentication on, the token names the caller and the header is ignored. */
    private static String authenticated() {
        var identity = io.quarkus.arc.Arc.container().instance(io.quarkus.security.identity.SecurityIdentity.class);
        if (!identity.isAvailable() || identity.get().isAnonymous()) {
            return null;
        }
        return org.synthray.coordinator.security.Callers.actor(identity.get());
    }

    private static String user(HttpHeaders headers) {
        String u = headers == null ? null : headers.getHeaderString(USER_HEADER);
        if (u == null || u.isBlank()) {
            return null;
        }
        if (!u.matches("[A-Za-z0-9._@-]{1,100}")) {
            throw new IllegalArgumentException(USER_HEADER + " may use letters, digits, '.', '_', '@' and '-' (1-100)");
        }
        return u;
    }
}
