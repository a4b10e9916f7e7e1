package org.synthray.agent.grpc;

import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * How the agent reaches the coordinator: plaintext, or TLS verified against a CA file (PEM); and the
 * call credentials (bearer tokens) every call carries.
 */
public final class CoordinatorChannels {
    private CoordinatorChannels() {
    }

    /**
     * A channel builder for {@code host:port}: TLS trusting only the certificates in {@code caFile}
     * when it is given, plaintext otherwise.
     */
    public static NettyChannelBuilder builder(String host, int port, Path caFile) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port);
        if (caFile == null) {
            return b.usePlaintext();
        }
        if (!Files.isRegularFile(caFile)) {
            throw new IllegalArgumentException("CA file " + caFile + " does not exist");
        }
        try {
            return b.useTransportSecurity().sslContext(GrpcSslContexts.forClient().trustManager(caFile.toFile()).build());
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use CA file " + caFile + " (PEM certificates expected): " + e.getMessage(), e);
        }
    }

    /** {@code channel} with {@code credentials} on every call (none when null). */
    public static Channel withCredentials(Channel channel, CallCredentials credentials) {
        if (credentials == null) {
            return channel;
        }
        return ClientInterceptors.intercept(channel, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withCallCredentials(credentials));
            }
        });
    }

    /**
     * A readable reason when a call failed because the coordinator's certificate was not accepted
     * (untrusted, expired, wrong host name), else null.
     */
    public static String tlsFailure(Throwable t, Path caFile) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLHandshakeException || c instanceof CertificateException
                    || (c instanceof SSLException && caFile != null)) {
                return "TLS handshake with the coordinator failed: its certificate is not trusted by "
                        + (caFile != null ? "CA file " + caFile : "this agent") + " or does not match its host name ("
                        + c.getMessage() + ")";
            }
        }
        if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE && caFile != null
                && s.getStatus().getDescription() != null && s.getStatus().getDescription().toLowerCase().contains("ssl")) {
            return "TLS handshake with the coordinator failed: " + s.getStatus().getDescription();
        }
        return null;
    }

    /** True when a refused call will be refused again (bad certificate, revoked site, role missing). */
    public static boolean isFatal(Throwable t, Path caFile) {
        if (tlsFailure(t, caFile) != null) {
            return true;
        }
        if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
            String d = s.getStatus().getDescription();
            return d == null || !d.contains("pending"); // a pending site may be approved while it waits
        }
        // Wrong client id or secret: the identity provider will refuse them again.
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException && c.getMessage() != null && c.getMessage().startsWith("identity provider refused")) {
                return true;
            }
        }
        return false;
    }
}
