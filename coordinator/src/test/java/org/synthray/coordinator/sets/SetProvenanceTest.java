package org.synthray.coordinator.sets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.synthray.coordinator.provenance.ProvenanceService;

class SetProvenanceTest {
    @Test
    void aServiceAccountIsASoftwareAgentAndAUserAPerson() {
        // Keycloak's name for the client-credentials account of the admin command line.
        assertEquals(ProvenanceService.SOFTWARE, SetProvenance.actorType("admin:service-account-synthray-admin-cli"));
        assertEquals(ProvenanceService.PERSON, SetProvenance.actorType("admin:alice"));
        assertEquals(ProvenanceService.PERSON, SetProvenance.actorType("alice"));
    }
}
