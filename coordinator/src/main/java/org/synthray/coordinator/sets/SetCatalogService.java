package org.synthray.coordinator.sets;

import static org.synthray.coordinator.sets.SetRecords.blank;

import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.IOException;
import java.io.OutputStream;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.coordinator.persistence.SyntheticSetRecord.State;
import org.synthray.manifest.Manifest;

/**
 * Researchers' side of synthetic sets: the catalog of released sets with filters, their datasheets,
 * and downloads as one ZIP streamed from the blob store (each a ledger event by the researcher).
 * Sets in any other state do not exist here: unknown and unreleased sets are refused alike
 * ({@link NoSuchSetException}).
 */
@ApplicationScoped
public class SetCatalogService {
    @Inject
    BlobStore store;

    @Inject
    Ledger ledger;

    @Inject
    SetRecords records;

    @Inject
    ModelLineage lineage;

    /** A download ready to stream: the file name to offer and the writer of the ZIP. */
    public record SetDownload(String fileName, Body body) {
        /** Writes the ZIP to {@code out} (finished, not closed). */
        public interface Body {
            void writeTo(OutputStream out) throws IOException;
        }
    }

    /**
     * Prepares a released set's download and records it in the ledger before the first byte is sent.
     *
     * @param formatName {@code png} (default) or {@code dicom}
     * @param actor      who downloads, for the ledger
     * @throws IllegalArgumentException for an unknown format, or DICOM for a set without DICOM for every image
     */
    public SetDownload download(String id, String formatName, String actor) throws IOException {
        SetArchive.Format format = SetArchive.Format.parse(formatName);
        Datasheet sheet = releasedDatasheet(id);
        SyntheticSetRecord record = records.find(id).orElseThrow(() -> new NoSuchSetException(id));
        if (format == SetArchive.Format.DICOM && sheet.set().dicomImages() < sheet.set().images()) {
            throw new IllegalArgumentException("set " + id + " has DICOM for " + sheet.set().dicomImages() + " of "
                    + sheet.set().images() + " images; download it as png");
        }
        Manifest manifest = records.manifest(record);
        Map<String, Object> prov = SetProvenance.build(sheet.set(), manifest, format, lineage.lineage(sheet.set().model()));
        String name = format.name().toLowerCase(Locale.ROOT);
        recordDownload(id, actor, name);
        return new SetDownload(id + "-" + name + ".zip",
                out -> SetArchive.write(out, sheet, manifest, store, record.manifestSha256, format, prov));
    }

    @Transactional
    public List<SetView> released(SetFilter f) {
        StringBuilder q = new StringBuilder("state = :state");
        Map<String, Object> params = new HashMap<>();
        params.put("state", State.RELEASED);
        if (!blank(f.text())) {
            q.append(" and promptsSearch like :text");
            params.put("text", "%" + f.text().toLowerCase(Locale.ROOT).replace("%", "").replace("_", "") + "%");
        }
        if (!blank(f.site())) {
            q.append(" and siteId = :site");
            params.put("site", f.site());
        }
        if (!blank(f.model())) {
            q.append(" and modelSha256 like :model");
            params.put("model", f.model().toLowerCase(Locale.ROOT).replaceAll("[^0-9a-f]", "") + "%");
        }
        if (f.from() != null) {
            q.append(" and decidedAt >= :from");
            params.put("from", f.from().atStartOfDay().atOffset(ZoneOffset.UTC));
        }
        if (f.to() != null) {
            q.append(" and decidedAt < :to");
            params.put("to", f.to().plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
        }
        List<SyntheticSetRecord> rows = SyntheticSetRecord.list(q.toString(), Sort.descending("decidedAt"), params);
        return rows.stream().map(SetView::of).toList();
    }

    /** A released set's datasheet; unknown and unreleased sets are refused alike. */
    @Transactional
    public Datasheet releasedDatasheet(String id) {
        SyntheticSetRecord r = SyntheticSetRecord.findById(id);
        if (r == null || r.state != State.RELEASED) {
            throw NoSuchSetException.notReleased(id);
        }
        return Datasheet.of(r);
    }

    /** Records a download in the ledger before the first byte is sent. */
    @Transactional
    void recordDownload(String id, String actor, String format) {
        SyntheticSetRecord r = SetRecords.load(id);
        if (r.state != State.RELEASED) {
            throw NoSuchSetException.notReleased(id);
        }
        Map<String, Object> p = SetReviewService.payload(r, null);
        p.put("format", format);
        p.put("manifestHead", r.manifestHead);
        ledger.append(actor, EventType.SET_DOWNLOADED, p);
    }
}
