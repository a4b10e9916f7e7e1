package org.synthray.coordinator.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The shape check a bearer value passes before the OIDC provider verifies it: three non-empty
 * base64url segments (header, claims, signature) whose first decodes to a JSON object. SynthRay's tokens are always JWTs (Keycloak access
 * tokens, verified locally with the realm's keys); anything else is refused at once, so junk such as
 * {@code "."} costs no call to Keycloak, no exception and no error log.
 */
public final class BearerTokens {
    /** Longer than any access token Keycloak issues for SynthRay's clients (a few KB). */
    public static final int MAX_LENGTH = 16 * 1024;
    private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

    private BearerTokens() {
    }

    /** Whether {@code token} can be a signed JWT at all (not whether it is valid). */
    public static boolean looksLikeJwt(String token) {
        if (token == null || token.length() > MAX_LENGTH || !JWT.matcher(token).matches()) {
            return false;
        }
        try {
            String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                    StandardCharsets.UTF_8).strip();
            return header.startsWith("{") && header.endsWith("}");
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
    }
}
