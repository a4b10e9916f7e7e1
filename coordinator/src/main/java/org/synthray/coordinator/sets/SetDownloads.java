package org.synthray.coordinator.sets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Map;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.manifest.Manifest;

/**
 * A released set as a ZIP, for the REST API and the console alike: checks the set and the format,
 * records the download in the ledger, and hands back a writer that streams the archive.
 */
@ApplicationScoped
public class SetDownloads {
    @Inject
    SetService sets;

    @Inject
    BlobStore store;

    @Inject
    ModelLineage lineage;

    /** What to send: the file name and the archive, written when the response body is. */
    public record Download(String fileName, Body body) {
    }

    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * @throws NoSuchSetException        when the set is unknown or not released
     * @throws IllegalArgumentException  when the format is unknown, or DICOM for a set without DICOM for every image
     */
    public Download prepare(String id, String formatName, String actor) throws IOException {
        SetArchive.Format format = SetArchive.Format.parse(formatName);
        SetService.Datasheet sheet = sets.releasedDatasheet(id);
        SyntheticSetRecord record = sets.find(id).orElseThrow(() -> new NoSuchSetException(id));
        if (format == SetArchive.Format.DICOM && sheet.set().dicomImages() < sheet.set().images()) {
            throw new IllegalArgumentException("set " + id + " has DICOM for " + sheet.set().dicomImages() + " of "
                    + sheet.set().images() + " images; download it as png");
        }
        Manifest manifest = sets.manifest(record);
        Map<String, Object> prov = SetProvenance.build(sheet.set(), manifest, format, lineage.lineage(sheet.set().model()));
        String name = format.name().toLowerCase(Locale.ROOT);
        sets.recordDownload(id, actor, name);
        return new Download(id + "-" + name + ".zip",
                out -> SetArchive.write(out, sheet, manifest, store, record.manifestSha256, format, prov));
    }
}
