package org.synthray.coordinator.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import org.synthray.coordinator.testing.KeycloakResource;

/** The coordinator with authentication on, against the real Keycloak of {@link KeycloakResource}. */
public class AuthProfile implements QuarkusTestProfile {
    /** OIDC at DEBUG: its "Starting the ... token introspection" lines show whether Keycloak was asked. */
    @Override
    public java.util.Map<String, String> getConfigOverrides() {
        return java.util.Map.of("quarkus.log.category.\"io.quarkus.oidc\".level", "DEBUG");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KeycloakResource.class));
    }
}
