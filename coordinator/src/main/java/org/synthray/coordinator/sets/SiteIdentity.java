package org.synthray.coordinator.sets;

import org.synthray.coordinator.flower.ClientIdentity;

/**
 * Which site is calling a gRPC method of the set service. Today the site announces itself in the
 * {@code synthray-site-id} header ({@link ClientIdentity}); authenticated identities replace this one
 * method. Read it on the gRPC call's thread, before handing work to another one.
 */
public final class SiteIdentity {
    private SiteIdentity() {
    }

    /** The calling site, or null when the call named none. */
    public static String current() {
        return ClientIdentity.currentSiteId();
    }
}
