package org.synthray.coordinator.security;

import io.grpc.Context;
import io.grpc.Status;
import java.util.Optional;

/**
 * The site on the other end of a gRPC call, as its validated access token says ({@code site_id}
 * claim), never as the caller announces it. {@link GrpcAuthInterceptor} puts it in the call's gRPC
 * {@link Context} once the token is valid, the token has role {@code site} and the site is approved;
 * every SynthRay gRPC service reads it from there:
 *
 * <pre>{@code
 * SiteIdentity site = SiteIdentity.require();   // PERMISSION_DENIED if there is none
 * store.save(upload, site.siteId());
 * }</pre>
 *
 * <p>With {@code synthray.auth.enabled=false} (tests that are not about security, a closed lab
 * network) there is no identity in the context and {@link #current()} is empty; services then fall
 * back to the announced {@code synthray-site-id} header, which proves nothing.
 */
public record SiteIdentity(String siteId, String subject, String clientId) {
    static final Context.Key<SiteIdentity> KEY = Context.key("synthray-site-identity");

    /** The identity of the current gRPC call, if authentication established one. */
    public static Optional<SiteIdentity> current() {
        return Optional.ofNullable(KEY.get());
    }

    /** The identity of the current gRPC call; a {@code PERMISSION_DENIED} status exception if there is none. */
    public static SiteIdentity require() {
        SiteIdentity s = KEY.get();
        if (s == null) {
            throw Status.PERMISSION_DENIED.withDescription("this call needs an authenticated site").asRuntimeException();
        }
        return s;
    }

    /** The ledger's actor name for this site. */
    public String actor() {
        return org.synthray.coordinator.ledger.Actors.site(siteId);
    }
}
