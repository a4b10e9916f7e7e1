package org.synthray.coordinator.console;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.synthray.coordinator.security.Roles;

/**
 * Who is looking at a console page, as the layout needs it ({@code inject:console} in templates): the
 * name, which menu to show, whether sign-in is on, and the page's CSRF token. What a person may do is
 * decided by the pages' {@code @RolesAllowed}, never by this menu. Who is recorded in the ledger for
 * what a person does comes from {@link org.synthray.coordinator.security.Caller}, as for the REST API.
 */
@RequestScoped
@Named("console")
public class ConsoleUser {
    @Inject
    SecurityIdentity identity;

    @Inject
    CsrfTokens csrf;

    @ConfigProperty(name = "synthray.auth.enabled", defaultValue = "true")
    boolean authEnabled;

    /** False on a closed lab network: the console works without sign-in and says so. */
    public boolean authEnabled() {
        return authEnabled;
    }

    /** With sign-in off everyone is treated as the unnamed admin, like the REST API does. */
    public boolean admin() {
        return !authEnabled || identity.hasRole(Roles.ADMIN);
    }

    public boolean researcher() {
        return !authEnabled || identity.hasRole(Roles.RESEARCHER);
    }

    /** Whether a person is signed in (never, with sign-in off). */
    public boolean signedIn() {
        return authEnabled && !identity.isAnonymous();
    }

    /** The name shown in the header. */
    public String name() {
        if (!authEnabled) {
            return "admin (sign-in off)";
        }
        if (identity.isAnonymous()) {
            return "not signed in";
        }
        if (identity.getPrincipal() instanceof JsonWebToken jwt && jwt.getClaim("preferred_username") != null) {
            return jwt.getClaim("preferred_username").toString();
        }
        return identity.getPrincipal().getName();
    }

    /** The token every form and htmx request of this page must send back. */
    public String csrfToken() {
        return csrf.current();
    }
}
