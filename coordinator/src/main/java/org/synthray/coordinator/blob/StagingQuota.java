package org.synthray.coordinator.blob;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.blob.BlobRef;

/**
 * The unfinished uploads each site holds, within a count and a byte quota: abandoned uploads cannot
 * fill the coordinator's disk. Opening one more evicts the site's oldest idle ones (whose staged
 * bytes the caller then discards); uploads in progress are never evicted, so when they alone fill
 * the quota the new one is refused.
 */
final class StagingQuota {
    private final int maxUploads;
    private final long maxBytes;
    /** Per site, its unfinished uploads in the order they were opened, and whether each is open now. */
    private final Map<String, LinkedHashMap<String, Held>> bySite = new HashMap<>();

    private static final class Held {
        final BlobRef blob;
        boolean active;

        Held(BlobRef blob) {
            this.blob = blob;
        }
    }

    StagingQuota(int maxUploads, long maxBytes) {
        this.maxUploads = maxUploads;
        this.maxBytes = maxBytes;
    }

    /** What {@link #open} decided: the staged uploads to discard, or why the new one is refused. */
    record Admission(List<BlobRef> evicted, String refusal) {
    }

    /** {@code site} opens an upload of {@code blob} (new, or resuming one it holds). */
    synchronized Admission open(String site, BlobRef blob) {
        LinkedHashMap<String, Held> held = bySite.computeIfAbsent(site, s -> new LinkedHashMap<>());
        Held mine = held.get(blob.sha256());
        if (mine != null && mine.blob.size() == blob.size()) {
            mine.active = true;
            return new Admission(List.of(), null);
        }
        if (mine != null) {
            held.remove(blob.sha256()); // another declared size: the store discards the old staging anyway
        }
        List<BlobRef> evicted = new ArrayList<>();
        long bytes = held.values().stream().mapToLong(h -> h.blob.size()).sum();
        Iterator<Held> oldest = held.values().iterator();
        while ((held.size() + 1 > maxUploads || bytes + blob.size() > maxBytes) && oldest.hasNext()) {
            Held h = oldest.next();
            if (!h.active) {
                oldest.remove();
                bytes -= h.blob.size();
                evicted.add(h.blob);
            }
        }
        if (held.size() + 1 > maxUploads || bytes + blob.size() > maxBytes) {
            return new Admission(evicted, "site has " + held.size() + " uploads in progress ("
                    + bytes + " bytes); at most " + maxUploads + " uploads and " + maxBytes + " bytes together");
        }
        Held h = new Held(blob);
        h.active = true;
        held.put(blob.sha256(), h);
        return new Admission(evicted, null);
    }

    /** The upload's call ended without finishing: its staged bytes stay, counted, for a resume. */
    synchronized void paused(String site, String sha256) {
        Map<String, Held> held = bySite.get(site);
        Held h = held != null ? held.get(sha256) : null;
        if (h != null) {
            h.active = false;
        }
    }

    /** The upload finished (or its staged bytes were dropped): it no longer counts. */
    synchronized void ended(String site, String sha256) {
        Map<String, Held> held = bySite.get(site);
        if (held != null) {
            held.remove(sha256);
            if (held.isEmpty()) {
                bySite.remove(site);
            }
        }
    }
}
