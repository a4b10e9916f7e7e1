package org.synthray.coordinator.sets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;

/**
 * A stored set's images one by one, for the review gallery and the catalog's samples: a page of
 * manifest entries, and the bytes of one image. Only files the set's verified manifest lists can be
 * read through here, never any other blob.
 */
@ApplicationScoped
public class SetImages {
    /** The largest page a gallery asks for. */
    public static final int MAX_PAGE = 200;

    @Inject
    SetRecords sets;

    @Inject
    BlobStore store;

    /** A page of a set's images and how many the set has. */
    public record Page(List<ManifestEntry> entries, int offset, int total) {
        public boolean hasMore() {
            return offset + entries.size() < total;
        }
    }

    /** An image's bytes and media type. */
    public record Image(InputStream body, String mediaType, long size) {
    }

    /**
     * Entries {@code offset} to {@code offset + limit} of a set in the given states (an admin's review
     * sees uploaded and in-review sets, a researcher only released ones).
     */
    public Page page(String setId, int offset, int limit, SyntheticSetRecord.State... states) throws IOException {
        if (offset < 0 || limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("offset must be >= 0 and limit between 1 and " + MAX_PAGE);
        }
        SyntheticSetRecord r = inState(setId, states);
        List<ManifestEntry> all = sets.manifest(r).entries();
        int from = Math.min(offset, all.size());
        return new Page(List.copyOf(all.subList(from, Math.min(all.size(), from + limit))), from, all.size());
    }

    /** The PNG ({@code dicom=false}) or DICOM file of the image with manifest sequence number {@code seq}. */
    public Image image(String setId, int seq, boolean dicom, SyntheticSetRecord.State... states) throws IOException {
        SyntheticSetRecord r = inState(setId, states);
        Optional<ManifestEntry> e = sets.manifest(r).entries().stream().filter(x -> x.seq() == seq).findFirst();
        if (e.isEmpty() || (dicom && e.get().dicomSha256() == null)) {
            throw NoSuchSetException.saying("set " + setId + " has no " + (dicom ? "DICOM " : "") + "image " + seq);
        }
        ManifestEntry x = e.get();
        return dicom ? new Image(store.open(x.dicomSha256(), 0), "application/dicom", x.dicomSize())
                : new Image(store.open(x.sha256(), 0), "image/png", x.size());
    }

    private SyntheticSetRecord inState(String setId, SyntheticSetRecord.State... states) {
        boolean catalog = states.length == 1 && states[0] == SyntheticSetRecord.State.RELEASED;
        SyntheticSetRecord r = sets.find(setId).orElseThrow(() ->
                catalog ? NoSuchSetException.notReleased(setId) : new NoSuchSetException(setId));
        for (SyntheticSetRecord.State s : states) {
            if (r.state == s) {
                return r;
            }
        }
        // The catalogue's refusal reads like an unknown id's: it must not tell a researcher a set's state.
        throw catalog ? NoSuchSetException.notReleased(setId)
                : NoSuchSetException.saying("set " + setId + " is " + r.state.wire());
    }
}
