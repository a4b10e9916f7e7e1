package org.synthray.coordinator.flower;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.SocketAddress;

/**
 * Who is on the other end of a gRPC call: the remote address and, for SynthRay agents, the site id
 * and run they announce in the {@code synthray-site-id} and {@code synthray-run-id} headers. Stock Flower clients send no header and are
 * named by their connection only. With authentication on, the site id is the one the caller's token
 * names ({@link org.synthray.coordinator.security.SiteIdentity}), never the header.
 */
@ApplicationScoped
@GlobalInterceptor
public class ClientIdentity implements ServerInterceptor {
    static final Metadata.Key<String> SITE_ID_HEADER = Metadata.Key.of("synthray-site-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> PEER = Context.key("synthray-peer");
    static final Context.Key<String> SITE_ID = Context.key("synthray-site-id");
    static final Metadata.Key<String> RUN_ID_HEADER = Metadata.Key.of("synthray-run-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> RUN_ID = Context.key("synthray-run-id");

    /** The site id the current gRPC call announced (validated), or null; read on the call's own thread. */
    public static String currentSiteId() {
        return SITE_ID.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        // With authentication on, the site is the one its token names (GrpcAuthInterceptor ran first).
        String site = org.synthray.coordinator.security.SiteIdentity.current()
                .map(org.synthray.coordinator.security.SiteIdentity::siteId).orElse(headers.get(SITE_ID_HEADER));
        if (site != null && !site.matches("[A-Za-z0-9._-]{1,64}")) {
            site = null; // never echo arbitrary header bytes into logs
        }
        String run = headers.get(RUN_ID_HEADER);
        if (run != null && !run.matches("[A-Za-z0-9._-]{1,40}")) {
            run = null;
        }
        Context ctx = Context.current()
                .withValue(PEER, remote != null ? remote.toString() : "unknown")
                .withValue(SITE_ID, site)
                .withValue(RUN_ID, run);
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
