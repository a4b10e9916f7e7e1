package org.synthray.coordinator.security;

import io.quarkus.security.spi.runtime.AuthorizationController;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.interceptor.Interceptor;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code synthray.auth.enabled=false} turns every role check off ({@code @RolesAllowed}, HTTP
 * permissions): for tests that are not about security and for a coordinator on a closed lab network.
 * Production and the demo keep it on (the default).
 */
@Alternative
@Priority(Interceptor.Priority.LIBRARY_AFTER)
@ApplicationScoped
public class AuthorizationSwitch extends AuthorizationController {
    @ConfigProperty(name = "synthray.auth.enabled", defaultValue = "true")
    boolean enabled;

    @Override
    public boolean isAuthorizationEnabled() {
        return enabled;
    }
}
