package org.synthray.coordinator.api;

import jakarta.ws.rs.core.HttpHeaders;

/**
 * Who makes a REST call, for the ledger. Until the API is authenticated, callers name themselves in
 * the {@code X-SynthRay-User} header (the admin CLI sends {@code --user}); authenticated principals
 * replace this one class.
 */
public final class Actors {
    public static final String USER_HEADER = "X-SynthRay-User";

    private Actors() {
    }

    /** {@code admin:<user>}, or {@code admin} when the caller named no one. */
    public static String admin(HttpHeaders headers) {
        return org.synthray.coordinator.ledger.Actors.admin(user(headers));
    }

    /** {@code researcher:<user>}, or {@code researcher} when the caller named no one. */
    public static String researcher(HttpHeaders headers) {
        String u = user(headers);
        return u == null ? "researcher" : "researcher:" + u;
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
