package org.synthray.coordinator.security;

import io.grpc.Context;
import org.synthray.coordinator.ledger.Actors;

/**
 * Who is on the other end of a gRPC call, for every service (Flower's {@code Join}, blobs, set
 * uploads). {@link GrpcAuthInterceptor} puts it in the call's gRPC {@link Context} before the service
 * sees the call; services read it with {@link #current()} on the call's own thread, before handing
 * work to another one.
 *
 * <p>With authentication on, {@link #siteId()} is the site the validated token names ({@code site_id}
 * claim) and the site is approved. With {@code synthray.auth.enabled=false} (tests not about
 * security, a closed lab network) it is the site the caller announces in the {@code synthray-site-id}
 * header, which proves nothing, or null (stock Flower clients announce none).
 *
 * @param siteId        the calling site, or null
 * @param authenticated whether a token proved {@code siteId}
 * @param subject       the token's subject, or null
 * @param clientId      the token's authorised party ({@code azp}), or null
 * @param peer          the remote address, for log lines
 * @param host          the remote host's address (no port), or null when unknown
 * @param runId         the run an agent announces in {@code synthray-run-id} (validated), or null
 */
public record GrpcCaller(String siteId, boolean authenticated, String subject, String clientId, String peer, String host,
                         String runId) {
    static final Context.Key<GrpcCaller> KEY = Context.key("synthray-caller");
    private static final GrpcCaller UNKNOWN = new GrpcCaller(null, false, null, null, "unknown client", null, null);

    /** The caller of the current gRPC call; one with no site and an unknown address outside a call. */
    public static GrpcCaller current() {
        GrpcCaller c = KEY.get();
        return c != null ? c : UNKNOWN;
    }

    /** The ledger's actor name for this caller, or null when no site is known. */
    public String actor() {
        return siteId != null ? Actors.site(siteId) : null;
    }

    /** For log lines: {@code site <id>}, else the remote address. */
    public String describe() {
        return siteId != null ? "site " + siteId : peer;
    }

    /**
     * Who a per-caller limit (a staging quota) counts against: {@code site <id>}, else {@code host <address>}
     * (all connections of one machine together), else {@code unknown client}.
     */
    public String owner() {
        return siteId != null ? "site " + siteId : host != null ? "host " + host : "unknown client";
    }
}
