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

    public static String admin(HttpHeaders headers) {
        return "admin:" + user(headers, "admin");
    }

    public static String researcher(HttpHeaders headers) {
        return "researcher:" + user(headers, "anonymous");
    }

    private static String user(HttpHeaders headers, String fallback) {
        String u = headers == null ? null : headers.getHeaderString(USER_HEADER);
        if (u == null || u.isBlank()) {
            return fallback;
        }
        if (!u.matches("[A-Za-z0-9._@-]{1,100}")) {
            throw new IllegalArgumentException(USER_HEADER + " may use letters, digits, '.', '_', '@' and '-' (1-100)");
        }
        return u;
    }
}
