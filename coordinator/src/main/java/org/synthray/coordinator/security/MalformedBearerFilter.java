package org.synthray.coordinator.security;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.security.SecurityHandlerPriorities;
import io.vertx.core.http.HttpHeaders;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * REST's counterpart of the gRPC interceptor's shape check: a bearer value that is not a JWT
 * ({@link BearerTokens}) is answered 401 before OIDC authentication sees it, so junk such as
 * {@code Authorization: Bearer .} never reaches the token parser or Keycloak.
 */
@ApplicationScoped
public class MalformedBearerFilter {
    private static final Logger LOG = Logger.getLogger(MalformedBearerFilter.class);

    @ConfigProperty(name = "synthray.auth.enabled", defaultValue = "true")
    boolean enabled;

    void register(@Observes Filters filters) {
        if (!enabled) {
            return;
        }
        // Between CORS (so browsers still see the CORS headers) and authentication.
        filters.register(rc -> {
            String auth = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
            if (auth != null && auth.length() >= 7 && auth.regionMatches(true, 0, "Bearer ", 0, 7)
                    && !BearerTokens.looksLikeJwt(auth.substring(7).trim())) {
                LOG.debugf("refused %s %s: the bearer token is not a JWT", rc.request().method(), rc.normalizedPath());
                rc.response().setStatusCode(401)
                        .putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end("{\"error\":\"the bearer token is not a JWT\"}");
                return;
            }
            rc.next();
        }, SecurityHandlerPriorities.AUTHENTICATION + 50);
    }
}
