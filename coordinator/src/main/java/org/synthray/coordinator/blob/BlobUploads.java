package org.synthray.coordinator.blob;

import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which site uploaded which blob, and when: what lets the federation accept a reply's blob reference
 * only for a blob <em>that</em> site uploaded <em>after</em> it was asked (a site cannot hand in
 * another site's update, or an old one). Only uploads whose bytes the site sent count: opening an
 * upload of a blob that is already stored proves nothing.
 *
 * <p>Memory is bounded: the most recent {@link #CAPACITY} uploads are remembered, far more than one
 * round of any consortium produces.
 */
@Singleton
public class BlobUploads {
    static final int CAPACITY = 10_000;

    private record Key(String site, String sha256) {
    }

    private final Map<Key, Instant> uploads = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Instant> eldest) {
            return size() > CAPACITY;
        }
    };

    /** {@code site} sent the last byte of {@code sha256} now. A null site (unknown caller) is not recorded. */
    public synchronized void uploaded(String site, String sha256) {
        if (site != null) {
            Key k = new Key(site, sha256);
            uploads.remove(k); // re-inserted last: the newest uploads are the ones kept
            uploads.put(k, Instant.now());
        }
    }

    /** True when {@code site} completed an upload of {@code sha256} at or after {@code since}. */
    public synchronized boolean uploadedSince(String site, String sha256, Instant since) {
        Instant at = site != null ? uploads.get(new Key(site, sha256)) : null;
        return at != null && !at.isBefore(since);
    }
}
