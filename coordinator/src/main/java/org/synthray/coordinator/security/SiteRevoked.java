package org.synthray.coordinator.security;

/**
 * Fired (synchronously, CDI) right after an admin revokes a site, so the parts that hold its open
 * streams close them now; {@link SiteService} knows nothing of those parts.
 */
public record SiteRevoked(String siteId) {
}
