package org.synthray.coordinator.sets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.ledger.Actors;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.coordinator.persistence.SyntheticSetRecord.State;
import org.synthray.json.CanonicalJson;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.SetDescription;
import org.synthray.manifest.SetDescription.FileRef;
import org.synthray.manifest.SetFiles;

/**
 * Sites declare and commit synthetic sets ({@link #begin}, {@link #commit}): every declaration is
 * verified again here (manifest chain, set.json against the manifest, exactly the listed files), and
 * a set becomes {@code uploaded} only once every file is stored with the right size and kind. The
 * upload is a ledger event by the site in the same transaction.
 *
 * <p>Errors: {@link IllegalArgumentException} for input that does not verify, {@link SecurityException}
 * for a site acting for another, {@link NoSuchSetException}, and {@link IncompleteSetException} for
 * missing files.
 */
@ApplicationScoped
public class SetIntakeService {
    @Inject
    BlobStore store;

    @Inject
    Ledger ledger;

    @Inject
    SetRecords records;

    /** Answer to {@link #begin}: the set, where it stands, and the files the coordinator lacks. */
    public record Declared(String setId, State state, List<FileRef> missing) {
    }

    /** A set's id: the same site and manifest head always name the same set. */
    static String setId(String site, String manifestHead) {
        return "set-" + Sha256.of((site + "\n" + manifestHead).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /**
     * Verifies a declared set and records it (or finds it again: same site, same manifest head).
     *
     * @param site  the calling site ({@link org.synthray.coordinator.security.GrpcCaller#siteId()})
     * @param files what the site is about to send
     */
    public Declared begin(String site, String setJson, String manifestText, List<FileRef> files) throws IOException {
        if (site == null) {
            throw new SecurityException("no site id: send the synthray-site-id header (the agent's --site-id)");
        }
        Manifest manifest;
        try {
            manifest = Manifest.read(new StringReader(manifestText));
        } catch (Manifest.ManifestException e) {
            throw new IllegalArgumentException("the manifest does not verify: " + e.getMessage());
        }
        SetDescription description = SetDescription.parse(setJson);
        if (!description.site().equals(site)) {
            throw new SecurityException("set.json names site " + description.site() + " but the caller is site " + site);
        }
        description.checkAgainst(manifest);
        SetFiles.checkDeclared(manifest, files);

        BlobRef manifestBlob = putText(manifestText);
        BlobRef setBlob = putText(setJson);
        String id = setId(site, manifest.head());
        State state;
        try {
            state = record(id, site, description, manifest, manifestBlob, setBlob, setJson);
        } catch (RuntimeException e) {
            // Two Begins of the same set at once: the second insert loses; the row is there.
            state = records.find(id).map(r -> r.state).orElseThrow(() -> e);
        }
        List<FileRef> missing = new ArrayList<>();
        if (state == State.UPLOADING) {
            Set<String> seen = new LinkedHashSet<>();
            for (FileRef f : SetDescription.files(manifest)) {
                if (seen.add(f.sha256()) && !store.exists(f.sha256())) {
                    missing.add(f);
                }
            }
        }
        return new Declared(id, state, missing);
    }

    private BlobRef putText(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        BlobRef ref = new BlobRef(Sha256.of(b), b.length);
        return store.put(ref, new ByteArrayInputStream(b));
    }

    @Transactional
    State record(String id, String site, SetDescription d, Manifest manifest, BlobRef manifestBlob, BlobRef setBlob,
                 String setJson) {
        SyntheticSetRecord existing = SyntheticSetRecord.findById(id);
        if (existing != null) {
            return existing.state;
        }
        SyntheticSetRecord r = new SyntheticSetRecord();
        r.id = id;
        r.siteId = site;
        r.state = State.UPLOADING;
        r.modelSha256 = d.model();
        r.modelSource = d.modelSource();
        r.manifestHead = manifest.head();
        r.manifestSha256 = manifestBlob.sha256();
        r.manifestSize = manifestBlob.size();
        r.setJsonSha256 = setBlob.sha256();
        r.setJson = setJson;
        r.prompts = CanonicalJson.write(d.prompts());
        r.promptsSearch = String.join("\n", d.prompts()).toLowerCase(Locale.ROOT);
        r.images = manifest.size();
        r.dicomImages = (int) manifest.entries().stream().filter(e -> e.dicom() != null).count();
        r.guardRejected = d.rejected();
        r.totalBytes = SetDescription.files(manifest).stream().mapToLong(FileRef::size).sum();
        r.sampler = d.sampler();
        r.steps = d.steps();
        r.guidance = d.guidance();
        r.generatedAt = d.createdAt();
        r.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        r.persist();
        return r.state;
    }

    /**
     * Ends an upload: every listed file stored with the manifest's size (its SHA-256 is its name, checked
     * on arrival) and of the right kind. Idempotent once uploaded.
     */
    public SetView commit(String site, String id) throws IOException {
        SyntheticSetRecord r = records.find(id).orElseThrow(() -> new NoSuchSetException(id));
        if (site == null || !r.siteId.equals(site)) {
            throw new NoSuchSetException(id); // a site sees only its own sets
        }
        if (r.state != State.UPLOADING) {
            return SetView.of(r);
        }
        Manifest manifest = records.manifest(r);
        List<String> missing = new ArrayList<>();
        for (FileRef f : SetDescription.files(manifest)) {
            OptionalLong size = store.size(f.sha256());
            if (size.isEmpty()) {
                missing.add(f.path());
            } else if (size.getAsLong() != f.size()) {
                throw new IllegalArgumentException(f.path() + " is stored with " + size.getAsLong() + " bytes, the manifest "
                        + "says " + f.size());
            } else {
                checkKind(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new IncompleteSetException(id, missing);
        }
        return markUploaded(id);
    }

    private void checkKind(FileRef f) throws IOException {
        try (InputStream in = store.open(f.sha256(), 0)) {
            SetFiles.checkKind(f.path(), in);
        }
    }

    @Transactional
    SetView markUploaded(String id) {
        SyntheticSetRecord r = SetRecords.load(id);
        if (r.state == State.UPLOADING) {
            r.state = State.UPLOADED;
            r.uploadedAt = OffsetDateTime.now(ZoneOffset.UTC);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("set", r.id);
            p.put("site", r.siteId);
            p.put("model", r.modelSha256);
            p.put("manifestHead", r.manifestHead);
            p.put("manifest", r.manifestSha256);
            p.put("accepted", r.images);
            p.put("rejected", r.guardRejected);
            p.put("dicom", r.dicomImages);
            p.put("bytes", r.totalBytes);
            ledger.append(Actors.site(r.siteId), EventType.SET_UPLOADED, p);
        }
        return SetView.of(r);
    }
}
