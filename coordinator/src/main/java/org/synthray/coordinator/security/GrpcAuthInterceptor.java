package org.synthray.coordinator.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.Principal;
import java.util.ArrayDeque;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.synthray.auth.CallerHeaders;
import org.synthray.coordinator.ledger.Actors;
import org.synthray.coordinator.persistence.SiteRecord;

/**
 * The one place that decides who calls the coordinator's gRPC server — Flower's {@code Join} and every
 * SynthRay service — and puts that {@link GrpcCaller} in the call's gRPC {@link Context} before the
 * service sees the call. With authentication on it authenticates every call first:
 * <ol>
 *   <li>{@code authorization: Bearer <token>} must be present and valid for the configured OIDC
 *       tenant (signature by the issuer's keys, issuer, expiry, audience), else {@code UNAUTHENTICATED};</li>
 *   <li>the token must carry role {@code site} and a {@code site_id} claim, else {@code PERMISSION_DENIED};</li>
 *   <li>a {@code synthray-site-id} header, if sent, must name the same site: a site cannot act as another;</li>
 *   <li>the site must be approved: an unknown site is enrolled as pending, and pending or revoked
 *       sites are refused ({@code PERMISSION_DENIED}).</li>
 * </ol>
 * Refusals of an authenticated caller are recorded in the ledger ({@code ACCESS_REFUSED}); calls
 * without a valid token are only logged. With authentication off the caller is the site the
 * {@code synthray-site-id} header announces (validated), or none.
 *
 * <p>Token validation may fetch the issuer's keys and enrolment writes to the database, so the
 * decision is taken off the transport thread; the call is started (or closed) back on its own
 * event loop once it is made. No message reaches the service before that: gRPC delivers none until
 * the service asks for it, which it does only when started.
 */
@ApplicationScoped
@GlobalInterceptor
public class GrpcAuthInterceptor implements ServerInterceptor, Prioritized {
    private static final Logger LOG = Logger.getLogger(GrpcAuthInterceptor.class);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @ConfigProperty(name = "synthray.auth.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "synthray.auth.site-claim", defaultValue = "site_id")
    String siteClaim;

    @Inject
    Instance<TenantIdentityProvider> identities;

    @Inject
    SiteService sites;

    /** Before every other interceptor (Quarkus calls higher priorities first). */
    @Override
    public int getPriority() {
        return 1_000_000;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String peer = remote != null ? remote.toString() : "unknown client";
        String host = remote instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress().getHostAddress() : null;
        String run = headers.get(CallerHeaders.RUN_ID);
        String runId = CallerHeaders.isRunId(run) ? run : null; // never echo arbitrary header bytes into logs
        String announced = headers.get(CallerHeaders.SITE_ID);
        if (!enabled) {
            return announcedCaller(call, headers, next, peer, host, runId, announced);
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        String auth = headers.get(AUTHORIZATION);
        if (auth == null || auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            LOG.infof("refused %s: no bearer token", method);
            call.close(Status.UNAUTHENTICATED.withDescription("a bearer token is required (authorization: Bearer <access token>)"),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        String token = auth.substring(7).trim();
        if (!BearerTokens.looksLikeJwt(token)) {
            LOG.infof("refused %s: the bearer token is not a JWT", method);
            call.close(Status.UNAUTHENTICATED.withDescription("the bearer token is not a JWT"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        Deferred<Q> deferred = new Deferred<>();
        io.vertx.core.Context loop = io.vertx.core.Vertx.currentContext();
        Context grpc = Context.current();
        identities.get().authenticate(new AccessTokenCredential(token))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(
                        identity -> {
                            Status refusal;
                            GrpcCaller site = null;
                            try {
                                Decision d = decide(identity, announced, method, peer, host, runId);
                                refusal = d.refusal;
                                site = d.site;
                            } catch (RuntimeException e) {
                                LOG.errorf(e, "could not decide on %s", method);
                                refusal = Status.INTERNAL.withDescription("authorization failed on the coordinator");
                            }
                            Status r = refusal;
                            GrpcCaller s = site;
                            onLoop(loop, () -> {
                                if (r != null) {
                                    deferred.refuse(call, r);
                                } else {
                                    deferred.start(Contexts.interceptCall(grpc.withValue(GrpcCaller.KEY, s), call, headers, next));
                                }
                            });
                        },
                        failure -> {
                            LOG.infof("refused %s: invalid token (%s)", method, failure.getMessage());
                            onLoop(loop, () -> deferred.refuse(call, Status.UNAUTHENTICATED
                                    .withDescription("the bearer token is not valid here (expired, wrong issuer or audience, or not signed by the issuer)")));
                        });
        return deferred;
    }

    /**
     * The caller as it announces itself, unproven: what every call gets with authentication off, and
     * what a gRPC server outside Quarkus (a test binding one service) installs with this interceptor.
     */
    public static ServerInterceptor announcedCallers() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                String run = headers.get(CallerHeaders.RUN_ID);
                return announcedCaller(call, headers, next, remote != null ? remote.toString() : "unknown client",
                        remote instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress().getHostAddress() : null,
                        CallerHeaders.isRunId(run) ? run : null, headers.get(CallerHeaders.SITE_ID));
            }
        };
    }

    private static <Q, R> ServerCall.Listener<Q> announcedCaller(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next,
                                                                 String peer, String host, String runId, String announced) {
        String site = CallerHeaders.isSiteId(announced) ? announced : null;
        return Contexts.interceptCall(Context.current().withValue(GrpcCaller.KEY,
                new GrpcCaller(site, false, null, null, peer, host, runId)), call, headers, next);
    }

    private record Decision(Status refusal, GrpcCaller site) {
    }

    private Decision decide(SecurityIdentity identity, String announced, String method, String peer, String host, String runId) {
        Principal p = identity.getPrincipal();
        JsonWebToken jwt = p instanceof JsonWebToken j ? j : null;
        String siteId = jwt != null ? Claims.string(jwt, siteClaim) : null;
        String actor = CallerHeaders.isSiteId(siteId) ? Actors.site(siteId) : "subject:" + p.getName();
        if (!identity.hasRole(Roles.SITE)) {
            return refuse(actor, method, "the token lacks role " + Roles.SITE);
        }
        if (!CallerHeaders.isSiteId(siteId)) {
            return refuse(actor, method, "the token carries no valid " + siteClaim + " claim");
        }
        if (announced != null && !announced.equals(siteId)) {
            String shown = CallerHeaders.isSiteId(announced) ? announced : "(invalid id)";
            return refuse(actor, method, "the token is for site " + siteId + "; it cannot act as site " + shown);
        }
        SiteRecord.Status status = sites.status(siteId).orElse(null);
        if (status == null) {
            status = sites.enroll(siteId, jwt.getSubject());
        }
        switch (status) {
            case PENDING:
                return refuse(actor, method, "site " + siteId + " is pending an admin's approval");
            case REVOKED:
                return refuse(actor, method, "site " + siteId + " is revoked");
            default:
                return new Decision(null, new GrpcCaller(siteId, true, jwt.getSubject(), Claims.string(jwt, "azp"), peer, host, runId));
        }
    }

    private Decision refuse(String actor, String method, String reason) {
        LOG.warnf("refused %s for %s: %s", method, actor, reason);
        sites.recordRefusal(actor, method, reason);
        return new Decision(Status.PERMISSION_DENIED.withDescription(reason), null);
    }

    private static void onLoop(io.vertx.core.Context loop, Runnable r) {
        if (loop != null) {
            loop.runOnContext(v -> r.run());
        } else {
            r.run();
        }
    }

    /**
     * The listener gRPC holds while the decision is pending: events that arrive before it (a
     * cancellation, readiness) are kept and replayed to the service's listener once it starts.
     */
    static final class Deferred<Q> extends ServerCall.Listener<Q> {
        private ServerCall.Listener<Q> delegate;
        private final ArrayDeque<java.util.function.Consumer<ServerCall.Listener<Q>>> early = new ArrayDeque<>();
        private boolean refused;

        synchronized void start(ServerCall.Listener<Q> listener) {
            delegate = listener;
            while (!early.isEmpty()) {
                early.poll().accept(listener);
            }
        }

        synchronized <R> void refuse(ServerCall<Q, R> call, Status status) {
            refused = true;
            early.clear();
            try {
                call.close(status, new Metadata());
            } catch (IllegalStateException alreadyClosed) {
                // the client went away first
            }
        }

        private synchronized void dispatch(java.util.function.Consumer<ServerCall.Listener<Q>> event) {
            if (refused) {
                return;
            }
            if (delegate != null) {
                event.accept(delegate);
            } else {
                early.add(event);
            }
        }

        @Override
        public void onMessage(Q message) {
            dispatch(l -> l.onMessage(message));
        }

        @Override
        public void onHalfClose() {
            dispatch(ServerCall.Listener::onHalfClose);
        }

        @Override
        public void onCancel() {
            dispatch(ServerCall.Listener::onCancel);
        }

        @Override
        public void onComplete() {
            dispatch(ServerCall.Listener::onComplete);
        }

        @Override
        public void onReady() {
            dispatch(ServerCall.Listener::onReady);
        }
    }
}
