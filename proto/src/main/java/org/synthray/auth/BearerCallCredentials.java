package org.synthray.auth;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * gRPC call credentials: every call carries {@code authorization: Bearer <token>} from a
 * {@link ClientCredentialsTokens}, fetched (or refreshed) off the transport thread.
 */
public final class BearerCallCredentials extends CallCredentials {
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ClientCredentialsTokens tokens;

    public BearerCallCredentials(ClientCredentialsTokens tokens) {
        this.tokens = tokens;
    }

    public ClientCredentialsTokens tokens() {
        return tokens;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor appExecutor, MetadataApplier applier) {
        appExecutor.execute(() -> {
            try {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + tokens.token());
                applier.apply(headers);
            } catch (IOException | RuntimeException e) {
                applier.fail(Status.UNAUTHENTICATED.withDescription("no access token: " + e.getMessage()).withCause(e));
            }
        });
    }
}
