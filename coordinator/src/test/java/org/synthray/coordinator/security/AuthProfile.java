package org.synthray.coordinator.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import org.synthray.coordinator.testing.KeycloakResource;

/** The coordinator with authentication on, against the real Keycloak of {@link KeycloakResource}. */
public class AuthProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KeycloakResource.class));
    }
}
