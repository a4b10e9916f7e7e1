package org.synthray.coordinator.security;

import io.grpc.Status;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.synthray.coordinator.flower.ClientRegistry;

/** A revoked site's open {@code Join} streams are closed at once with {@code PERMISSION_DENIED}. */
@ApplicationScoped
public class StreamRevocation {
    @Inject
    SiteService sites;

    @Inject
    ClientRegistry registry;

    void wire(@Observes StartupEvent ev) {
        sites.onRevoke(site -> registry.terminateSite(site,
                Status.PERMISSION_DENIED.withDescription("site " + site + " was revoked by a consortium admin")));
    }
}
