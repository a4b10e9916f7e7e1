package org.synthray.auth;

import io.grpc.Metadata;
import java.util.regex.Pattern;

/**
 * How callers name themselves to the coordinator, shared by agents, the admin CLI and the
 * coordinator: header names and the shape of the ids they carry. With authentication on, the token
 * names the caller and these headers are only checked against it (a site id) or ignored (a user).
 */
public final class CallerHeaders {
    /** gRPC header: the site an agent calls for (its {@code --site-id}). */
    public static final Metadata.Key<String> SITE_ID =
            Metadata.Key.of("synthray-site-id", Metadata.ASCII_STRING_MARSHALLER);
    /** gRPC header: the run an agent joins (its {@code --run-id}). */
    public static final Metadata.Key<String> RUN_ID =
            Metadata.Key.of("synthray-run-id", Metadata.ASCII_STRING_MARSHALLER);
    /** HTTP header: who calls the REST API when authentication is off ({@code synthray-admin --user}). */
    public static final String USER = "X-SynthRay-User";

    /** A site id: 1-64 letters, digits, '.', '_' or '-'. */
    public static final String SITE_ID_PATTERN = "[A-Za-z0-9._-]{1,64}";
    /** A run id as agents announce it: 1-40 letters, digits, '.', '_' or '-'. */
    public static final String RUN_ID_PATTERN = "[A-Za-z0-9._-]{1,40}";
    /** A user name in {@link #USER}: 1-100 letters, digits, '.', '_', '@' or '-'. */
    public static final String USER_PATTERN = "[A-Za-z0-9._@-]{1,100}";

    private static final Pattern SITE = Pattern.compile(SITE_ID_PATTERN);
    private static final Pattern RUN = Pattern.compile(RUN_ID_PATTERN);
    private static final Pattern USER_NAME = Pattern.compile(USER_PATTERN);

    private CallerHeaders() {
    }

    public static boolean isSiteId(String s) {
        return s != null && SITE.matcher(s).matches();
    }

    public static boolean isRunId(String s) {
        return s != null && RUN.matcher(s).matches();
    }

    public static boolean isUser(String s) {
        return s != null && USER_NAME.matcher(s).matches();
    }

    /**
     * The site id or a clear refusal naming the option it came from.
     *
     * @throws IllegalArgumentException when it is not a valid site id
     */
    public static String requireSiteId(String s, String option) {
        if (!isSiteId(s)) {
            throw new IllegalArgumentException(option + " may use letters, digits, '.', '_' and '-' (1-64 characters)");
        }
        return s;
    }
}
