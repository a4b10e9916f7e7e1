package org.synthray.coordinator.sets;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code synthray.sets.*}: synthetic set publishing and downloads (see docs/configuration.md). */
@ConfigMapping(prefix = "synthray.sets")
public interface SetsConfig {
    /** Licence a released set carries unless the admin names another at release. */
    @WithDefault("CC-BY-4.0")
    String defaultLicence();

    /** Intended use written into every datasheet unless the admin names another at release. */
    @WithDefault("Research and education: developing and evaluating chest X-ray models. Synthetic images; not for clinical diagnosis or treatment.")
    String defaultIntendedUse();

    /** Threads that verify and record set uploads (never gRPC's event loop). */
    @WithDefault("4")
    int workerThreads();
}
