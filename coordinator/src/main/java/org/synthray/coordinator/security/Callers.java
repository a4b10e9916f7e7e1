package org.synthray.coordinator.security;

import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The ledger actor for an authenticated REST caller: {@code admin:<user>}, {@code researcher:<user>},
 * {@code site:<id>} (see {@link org.synthray.coordinator.ledger.Actors}).
 */
public final class Callers {
    private Callers() {
    }

    /**
     * The actor for a caller. With authentication off every caller is anonymous and counts as the
     * unnamed admin ({@code admin}).
     */
    public static String actor(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return org.synthray.coordinator.ledger.Actors.ADMIN;
        }
        String user = identity.getPrincipal().getName();
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            String preferred = GrpcAuthInterceptor.claim(jwt, "preferred_username");
            if (preferred != null) {
                user = preferred;
            }
            if (identity.hasRole(Roles.SITE) && !identity.hasRole(Roles.ADMIN)) {
                String site = GrpcAuthInterceptor.claim(jwt, "site_id");
                if (site != null) {
                    return org.synthray.coordinator.ledger.Actors.site(site);
                }
            }
        }
        if (identity.hasRole(Roles.ADMIN)) {
            return org.synthray.coordinator.ledger.Actors.admin(user);
        }
        if (identity.hasRole(Roles.RESEARCHER)) {
            return "researcher:" + user;
        }
        return "user:" + user;
    }
}
