package org.synthray.coordinator.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.synthray.auth.CallerHeaders;
import org.synthray.coordinator.ledger.Actors;

/**
 * Who makes the current HTTP request (REST resources, and web pages), for the ledger and for
 * display. Every resource injects this one bean instead of reading tokens or headers itself.
 *
 * <ul>
 *   <li>Authentication on: the validated token names the caller: {@code admin:<user>},
 *       {@code researcher:<user>} or {@code site:<id>} ({@code preferred_username}, else the subject).
 *       The {@code X-SynthRay-User} header is ignored.</li>
 *   <li>Authentication off (a single-operator deployment, tests): callers may name themselves in
 *       {@code X-SynthRay-User} ({@code synthray-admin --user}); the endpoint says in which role
 *       ({@link #admin()}, {@link #researcher()}). Nobody named is plain {@code admin} or
 *       {@code researcher}.</li>
 * </ul>
 */
@RequestScoped
public class Caller {
    @Inject
    SecurityIdentity identity;

    @Inject
    HttpServerRequest request;

    /** The ledger actor of an admin endpoint's caller. */
    public String admin() {
        return authenticatedActor().orElseGet(() -> Actors.admin(namedUser()));
    }

    /** The ledger actor of a researcher endpoint's caller. */
    public String researcher() {
        return authenticatedActor().orElseGet(() -> Actors.researcher(namedUser()));
    }

    /** Whether a validated token names the caller. */
    public boolean authenticated() {
        return identity != null && !identity.isAnonymous();
    }

    /** The actor the caller's token names; empty for an anonymous caller. */
    public Optional<String> authenticatedActor() {
        return authenticated() ? Optional.of(actorOf(identity)) : Optional.empty();
    }

    /** The ledger actor for an authenticated identity. */
    static String actorOf(SecurityIdentity identity) {
        String user = identity.getPrincipal().getName();
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            String preferred = Claims.string(jwt, "preferred_username");
            if (preferred != null) {
                user = preferred;
            }
            if (identity.hasRole(Roles.SITE) && !identity.hasRole(Roles.ADMIN)) {
                String site = Claims.string(jwt, "site_id");
                if (site != null) {
                    return Actors.site(site);
                }
            }
        }
        if (identity.hasRole(Roles.ADMIN)) {
            return Actors.admin(user);
        }
        if (identity.hasRole(Roles.RESEARCHER)) {
            return Actors.researcher(user);
        }
        return Actors.user(user);
    }

    /** The user the caller names in {@code X-SynthRay-User}, or null. */
    private String namedUser() {
        String u = request == null ? null : request.getHeader(CallerHeaders.USER);
        if (u == null || u.isBlank()) {
            return null;
        }
        if (!CallerHeaders.isUser(u)) {
            throw new IllegalArgumentException(CallerHeaders.USER + " may use letters, digits, '.', '_', '@' and '-' (1-100)");
        }
        return u;
    }
}
