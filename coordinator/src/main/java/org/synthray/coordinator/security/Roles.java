package org.synthray.coordinator.security;

/**
 * The realm roles SynthRay knows (Keycloak realm roles, read from the token's
 * {@code realm_access.roles}). REST resources name them in {@code @RolesAllowed}; the gRPC
 * interceptor requires {@link #SITE} on every call.
 */
public final class Roles {
    /** Runs the consortium: runs, models, sites, review and release of synthetic sets. */
    public static final String ADMIN = "consortium-admin";
    /** Lists and downloads released synthetic sets. */
    public static final String RESEARCHER = "researcher";
    /** A hospital's site agent; its token's {@code site_id} claim says which site. */
    public static final String SITE = "site";
    /**
     * Not assigned in Keycloak: derived by {@link ApprovedSiteAugmentor} for a {@link #SITE} token whose
     * site is approved. REST endpoints for sites (e.g. their own uploads) require this one, so pending
     * and revoked sites are refused.
     */
    public static final String APPROVED_SITE = "approved-site";

    private Roles() {
    }
}
