package org.synthray.coordinator.security;

import jakarta.json.JsonString;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Reading claims of a validated token. */
public final class Claims {
    private Claims() {
    }

    /** A claim as a string, or null when the token lacks it. */
    public static String string(JsonWebToken jwt, String name) {
        Object v = jwt.getClaim(name);
        if (v instanceof JsonString s) {
            return s.getString();
        }
        return v != null ? v.toString() : null;
    }
}
