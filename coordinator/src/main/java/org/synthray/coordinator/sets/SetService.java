package org.synthray.coordinator.sets;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.coordinator.persistence.SyntheticSetRecord.State;
import org.synthray.json.CanonicalJson;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.SetDescription;
import org.synthray.manifest.SetDescription.FileRef;

/**
 * Synthetic sets from upload to release. Sites declare and commit sets ({@link #begin},
 * {@link #commit}); admins move them through review ({@link #review}, {@link #release},
 * {@link #reject}); researchers see released ones only. Every change is a ledger event in the same
 * transaction.
 *
 * <p>Errors: {@link IllegalArgumentException} for input that does not verify, {@link SecurityException}
 * for a site acting for another, {@link NoSuchSetException}, and {@link IllegalStateException} for a
 * step the set's state does not allow ({@link IncompleteSetException} for missing files).
 */
@ApplicationScoped
public class SetService {
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Inject
    BlobStore store;

    @Inject
    Ledger ledger;

    @Inject
    SetsConfig config;

    /** Answer to {@link #begin}: the set, where it stands, and the files the coordinator lacks. */
    public record Declared(String setId, State state, List<FileRef> missing) {
    }

    /** A set as the API shows it. */
    public record SetView(String id, String site, String state, String model, String modelSource, int images,
                          int dicomImages, int guardRejected, long totalBytes, List<String> prompts, String sampler,
                          int steps, double guidance, String generatedAt, String manifestHead, String licence,
                          String intendedUse, String decisionReason, String decidedBy, OffsetDateTime createdAt,
                          OffsetDateTime uploadedAt, OffsetDateTime reviewStartedAt, OffsetDateTime decidedAt) {
        static SetView of(SyntheticSetRecord r) {
            List<String> prompts = new ArrayList<>();
            CanonicalJson.parse(r.prompts).forEach(p -> prompts.add(p.asText()));
            return new SetView(r.id, r.siteId, r.state.wire(), r.modelSha256, r.modelSource, r.images, r.dicomImages,
                    r.guardRejected, r.totalBytes, prompts, r.sampler, r.steps, r.guidance, r.generatedAt, r.manifestHead,
                    r.licence, r.intendedUse, r.decisionReason, r.decidedBy, r.createdAt, r.uploadedAt, r.reviewStartedAt,
                    r.decidedAt);
        }
    }

    /** The set plus what set.json says about the guard and evaluation: everything a datasheet shows. */
    public record Datasheet(SetView set, JsonNode guard, JsonNode evaluation) {
    }

    /** Filters for researchers' lists; null fields do not filter. */
    public record Filter(String text, String site, String model, LocalDate from, LocalDate to) {
    }

    static String setId(String site, String manifestHead) {
        return "set-" + Sha256.of((site + "\n" + manifestHead).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    // ------------------------------------------------------------------------------ site side

    /**
     * Verifies a declared set and records it (or finds it again: same site, same manifest head).
     *
     * @param site  the calling site (from {@link SiteIdentity})
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
        checkFiles(manifest, files);

        BlobRef manifestBlob = putText(manifestText);
        BlobRef setBlob = putText(setJson);
        String id = setId(site, manifest.head());
        State state;
        try {
            state = record(id, site, description, manifest, manifestBlob, setBlob, setJson);
        } catch (RuntimeException e) {
            // Two Begins of the same set at once: the second insert loses; the row is there.
            state = find(id).map(r -> r.state).orElseThrow(() -> e);
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

    /** The files a site declares must be exactly those the manifest lists, with its hashes and sizes. */
    static void checkFiles(Manifest manifest, List<FileRef> files) {
        Map<String, FileRef> listed = new LinkedHashMap<>();
        for (FileRef f : SetDescription.files(manifest)) {
            listed.put(f.path(), f);
        }
        Set<String> declared = new java.util.HashSet<>();
        for (FileRef f : files) {
            if (!declared.add(f.path())) {
                throw new IllegalArgumentException(f.path() + " is sent twice");
            }
            FileRef l = listed.get(f.path());
            if (l == null) {
                throw new IllegalArgumentException(f.path() + " is not listed in the manifest; only listed images can be "
                        + "published");
            }
            if (!l.sha256().equals(f.sha256()) || l.size() != f.size()) {
                throw new IllegalArgumentException(f.path() + " does not match the manifest: sent as " + f.sha256() + " ("
                        + f.size() + " bytes), listed as " + l.sha256() + " (" + l.size() + " bytes)");
            }
        }
        for (String path : listed.keySet()) {
            if (!declared.contains(path)) {
                throw new IllegalArgumentException("the manifest lists " + path + " but it is not sent");
            }
        }
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
        SyntheticSetRecord r = find(id).orElseThrow(() -> new NoSuchSetException(id));
        if (site == null || !r.siteId.equals(site)) {
            throw new NoSuchSetException(id); // a site sees only its own sets
        }
        if (r.state != State.UPLOADING) {
            return SetView.of(r);
        }
        Manifest manifest = manifest(r);
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
        byte[] head;
        try (InputStream in = store.open(f.sha256(), 0)) {
            head = in.readNBytes(132);
        }
        boolean ok = f.path().endsWith(".png")
                ? head.length >= 8 && Arrays.equals(Arrays.copyOf(head, 8), PNG)
                : head.length >= 132 && head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M';
        if (!ok) {
            throw new IllegalArgumentException(f.path() + " is not a " + (f.path().endsWith(".png") ? "PNG image" : "DICOM file"));
        }
    }

    @Transactional
    SetView markUploaded(String id) {
        SyntheticSetRecord r = load(id);
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
            ledger.append(org.synthray.coordinator.ledger.Actors.site(r.siteId), EventType.SET_UPLOADED, p);
        }
        return SetView.of(r);
    }

    // ----------------------------------------------------------------------------- admin side

    @Transactional
    public List<SetView> list(State state) {
        List<SyntheticSetRecord> rows = state == null
                ? SyntheticSetRecord.listAll(Sort.descending("createdAt"))
                : SyntheticSetRecord.list("state", Sort.descending("createdAt"), state);
        return rows.stream().map(SetView::of).toList();
    }

    @Transactional
    public SetView get(String id) {
        return SetView.of(load(id));
    }

    @Transactional
    public Datasheet datasheet(String id) {
        SyntheticSetRecord r = load(id);
        JsonNode json = CanonicalJson.parse(r.setJson);
        return new Datasheet(SetView.of(r), json.path("guard"), json.hasNonNull("evaluation") ? json.get("evaluation") : null);
    }

    @Transactional
    public SetView review(String id, String actor, String reason) {
        SyntheticSetRecord r = load(id);
        if (r.state != State.UPLOADED) {
            throw new IllegalStateException("set " + id + " is " + r.state.wire() + "; only an uploaded set can go into review");
        }
        r.state = State.IN_REVIEW;
        r.reviewStartedAt = OffsetDateTime.now(ZoneOffset.UTC);
        ledger.append(actor, EventType.SET_IN_REVIEW, payload(r, reason));
        return SetView.of(r);
    }

    @Transactional
    public SetView release(String id, String actor, String reason, String licence, String intendedUse) {
        SyntheticSetRecord r = load(id);
        if (r.state != State.IN_REVIEW) {
            throw new IllegalStateException("set " + id + " is " + r.state.wire() + "; only a set in review can be released");
        }
        r.state = State.RELEASED;
        r.licence = blank(licence) ? config.defaultLicence() : licence.strip();
        r.intendedUse = blank(intendedUse) ? config.defaultIntendedUse() : intendedUse.strip();
        decide(r, actor, reason);
        Map<String, Object> p = payload(r, reason);
        p.put("licence", r.licence);
        p.put("manifestHead", r.manifestHead);
        ledger.append(actor, EventType.SET_RELEASED, p);
        return SetView.of(r);
    }

    @Transactional
    public SetView reject(String id, String actor, String reason) {
        if (blank(reason)) {
            throw new IllegalArgumentException("a rejection needs a reason");
        }
        SyntheticSetRecord r = load(id);
        if (r.state != State.UPLOADED && r.state != State.IN_REVIEW) {
            throw new IllegalStateException("set " + id + " is " + r.state.wire()
                    + "; only an uploaded set or one in review can be rejected");
        }
        r.state = State.REJECTED;
        decide(r, actor, reason);
        ledger.append(actor, EventType.SET_REJECTED, payload(r, reason));
        return SetView.of(r);
    }

    private static void decide(SyntheticSetRecord r, String actor, String reason) {
        r.decisionReason = blank(reason) ? null : reason.strip();
        r.decidedBy = actor;
        r.decidedAt = OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static Map<String, Object> payload(SyntheticSetRecord r, String reason) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("set", r.id);
        p.put("site", r.siteId);
        if (!blank(reason)) {
            p.put("reason", reason.strip());
        }
        return p;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    // ------------------------------------------------------------------------ researcher side

    @Transactional
    public List<SetView> released(Filter f) {
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
            throw new NoSuchSetException(id, r == null ? null : "set " + id + " is " + r.state.wire() + ", not released");
        }
        return datasheet(id);
    }

    /** Records a download in the ledger before the first byte is sent. */
    @Transactional
    public void recordDownload(String id, String actor, String format) {
        SyntheticSetRecord r = load(id);
        if (r.state != State.RELEASED) {
            throw new NoSuchSetException(id, "set " + id + " is " + r.state.wire() + ", not released");
        }
        Map<String, Object> p = payload(r, null);
        p.put("format", format);
        p.put("manifestHead", r.manifestHead);
        ledger.append(actor, EventType.SET_DOWNLOADED, p);
    }

    // ---------------------------------------------------------------------------------- shared

    /** The set's verified manifest, read from the blob store. */
    public Manifest manifest(SyntheticSetRecord r) throws IOException {
        try (InputStream in = store.open(r.manifestSha256, 0)) {
            return Manifest.read(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }

    @Transactional
    public Optional<SyntheticSetRecord> find(String id) {
        return Optional.ofNullable(SyntheticSetRecord.findById(id));
    }

    private static SyntheticSetRecord load(String id) {
        SyntheticSetRecord r = id == null ? null : SyntheticSetRecord.findById(id);
        if (r == null) {
            throw new NoSuchSetException(id);
        }
        return r;
    }
}
