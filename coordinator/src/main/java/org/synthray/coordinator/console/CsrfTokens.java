package org.synthray.coordinator.console;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Double-submit CSRF tokens for the console: a random token lives in an HttpOnly, SameSite=Strict
 * cookie scoped to /console; every page puts the same value into its forms ({@value #FIELD}) and into
 * htmx's request header ({@value #HEADER}); {@link CsrfFilter} refuses a state-changing request whose
 * two copies differ. Another site can make a browser send the cookie but cannot read it to fill the
 * field.
 */
@RequestScoped
public class CsrfTokens {
    static final String COOKIE = "synthray-csrf";
    static final String FIELD = "_csrf";
    static final String HEADER = "X-CSRF-Token";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    RoutingContext routing;

    private String token;

    /** The request's token: the cookie's, or a new one that the response sets as the cookie. */
    public String current() {
        if (token == null) {
            token = fromCookie();
            if (token == null) {
                byte[] b = new byte[32];
                RANDOM.nextBytes(b);
                token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
                routing.response().addCookie(Cookie.cookie(COOKIE, token).setPath("/console").setHttpOnly(true)
                        .setSameSite(CookieSameSite.STRICT).setSecure(routing.request().isSSL()));
            }
        }
        return token;
    }

    /** The cookie's token, or null when there is none or it is not one of ours. */
    String fromCookie() {
        Cookie c = routing.request().getCookie(COOKIE);
        return c != null && c.getValue().matches("[A-Za-z0-9_-]{43}") ? c.getValue() : null;
    }

    /** Whether a submitted token matches the cookie (constant time). */
    boolean matches(String submitted) {
        String expected = fromCookie();
        return expected != null && submitted != null && MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), submitted.getBytes(StandardCharsets.US_ASCII));
    }
}
