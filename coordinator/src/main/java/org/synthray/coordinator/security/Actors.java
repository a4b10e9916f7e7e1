package org.synthray.coordinator.security;

import io.quarkus.security.identity.SecurityIdentity;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Ledger actor names for REST callers: {@code admin:<user>}, {@code researcher:<user>}, {@code site:<id>}. */
public final class Actors {
    private Actors() {
    }

    /**
     * The actor for a caller. With authentication off every caller is anonymous and counts as
     * {@code admin:unauthenticated}.
     */
    public static String of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return "admin:unauthenticated";
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
                    return "site:" + site;
                }
            }
        }
        if (identity.hasRole(Roles.ADMIN)) {
            return "admin:" + user;
        }
        if (identity.hasRole(Roles.RESEARCHER)) {
            return "researcher:" + user;
        }
        return "user:" + user;
    }
}
