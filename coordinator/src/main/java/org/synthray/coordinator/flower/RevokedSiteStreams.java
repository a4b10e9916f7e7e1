package org.synthray.coordinator.flower;

import io.grpc.Status;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.synthray.coordinator.persistence.SiteRecord;
import org.synthray.coordinator.security.SiteRevoked;
import org.synthray.coordinator.security.SiteService;

/** A revoked site's open {@code Join} streams are closed at once with {@code PERMISSION_DENIED}. */
@ApplicationScoped
public class RevokedSiteStreams {
    @Inject
    SiteService sites;

    @Inject
    ClientRegistry registry;

    void revoked(@Observes SiteRevoked event) {
        registry.terminateSite(event.siteId(), revoked(event.siteId()));
    }

    void wire(@Observes StartupEvent ev) {
        // A stream accepted just before its site was revoked, and registered just after: closed too.
        registry.onJoin(client -> {
            if (client.siteId() != null && sites.status(client.siteId()).orElse(null) == SiteRecord.Status.REVOKED) {
                client.terminate(revoked(client.siteId()));
            }
        });
    }

    private static Status revoked(String site) {
        return Status.PERMISSION_DENIED.withDescription("site " + site + " was revoked by a consortium admin");
    }
}
