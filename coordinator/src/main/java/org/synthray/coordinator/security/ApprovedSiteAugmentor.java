package org.synthray.coordinator.security;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.synthray.coordinator.persistence.SiteRecord;

/**
 * Gives a token with role {@code site} the derived role {@link Roles#APPROVED_SITE} when the site its
 * {@code site_id} claim names is approved, so REST endpoints for sites say
 * {@code @RolesAllowed(Roles.APPROVED_SITE)} and pending or revoked sites get 403. A site seen for
 * the first time is enrolled as pending here, as on gRPC.
 */
@ApplicationScoped
public class ApprovedSiteAugmentor implements SecurityIdentityAugmentor {
    @Inject
    SiteService sites;

    @ConfigProperty(name = "synthray.auth.site-claim", defaultValue = "site_id")
    String siteClaim;

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !identity.hasRole(Roles.SITE) || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        String site = Claims.string(jwt, siteClaim);
        if (!org.synthray.auth.CallerHeaders.isSiteId(site)) {
            return Uni.createFrom().item(identity);
        }
        SiteRecord.Status known = sites.status(site).orElse(null);
        if (known != null) {
            return Uni.createFrom().item(known == SiteRecord.Status.APPROVED ? approved(identity) : identity);
        }
        // Enrolment writes to the database: off the event loop.
        return context.runBlocking(() -> sites.enroll(site, jwt.getSubject()) == SiteRecord.Status.APPROVED
                ? approved(identity) : identity);
    }

    private static SecurityIdentity approved(SecurityIdentity identity) {
        return QuarkusSecurityIdentity.builder(identity).addRole(Roles.APPROVED_SITE).build();
    }
}
