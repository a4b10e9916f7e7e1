package org.synthray.agent.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.synthray.auth.BearerCallCredentials;
import org.synthray.auth.ClientCredentialsTokens;
import picocli.CommandLine.Option;

/**
 * How a site command proves who it is to the coordinator: the OpenID Connect issuer, the site's client
 * and its secret (client-credentials grant), and the CA file for TLS. Shared by every command that
 * talks to a coordinator ({@code join}, {@code publish}, {@code synthesize --model-version}).
 */
public final class CoordinatorAccess {
    @Option(names = "--issuer", paramLabel = "URL", defaultValue = "${env:SYNTHRAY_ISSUER}",
            description = "OpenID Connect issuer (e.g. https://keycloak.example/realms/synthray) or its token endpoint; "
                    + "the agent then gets tokens with the client-credentials grant and sends them on every call "
                    + "(env SYNTHRAY_ISSUER). Without it the agent sends no token.")
    String issuer;

    @Option(names = "--client-id", paramLabel = "ID", defaultValue = "${env:SYNTHRAY_CLIENT_ID}",
            description = "The site's client id at the issuer (env SYNTHRAY_CLIENT_ID). Default: the site id.")
    String clientId;

    @Option(names = "--client-secret-file", paramLabel = "FILE",
            description = "File holding the client secret (or env SYNTHRAY_CLIENT_SECRET). Never put the secret itself on a command line.")
    Path clientSecretFile;

    @Option(names = "--ca-file", paramLabel = "PEM", defaultValue = "${env:SYNTHRAY_CA_FILE}",
            description = "Connect with TLS, trusting the CA certificate(s) in this PEM file (env SYNTHRAY_CA_FILE). Without it: plaintext.")
    Path caFile;

    /** Token source for {@code siteId}'s client, or null when no issuer is set (authentication off). */
    ClientCredentialsTokens tokens(String siteId) throws IOException {
        return ClientCredentialsTokens.configured(issuer, clientId != null && !clientId.isBlank() ? clientId : siteId,
                clientSecretFile, "SYNTHRAY_CLIENT_SECRET");
    }

    /**
     * Call credentials for gRPC, or null without an issuer. Wrong credentials fail here with the
     * identity provider's reason; an unreachable provider is asked again on every call.
     */
    io.grpc.CallCredentials credentials(String siteId) throws IOException {
        ClientCredentialsTokens tokens = tokens(siteId);
        if (tokens == null) {
            return null;
        }
        try {
            tokens.token();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("identity provider refused")) {
                throw e;
            }
            System.err.println("site " + siteId + ": " + e.getMessage() + "; will retry");
        }
        return new BearerCallCredentials(tokens);
    }
}
