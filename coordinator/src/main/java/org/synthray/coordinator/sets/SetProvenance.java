package org.synthray.coordinator.sets;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.provenance.ProvDocument;
import org.synthray.coordinator.provenance.ProvenanceService;
import org.synthray.manifest.Manifest;
import org.synthray.manifest.ManifestEntry;

/**
 * A released set's provenance as W3C PROV-JSON: the model version (with its lineage when known), the
 * generation at the site, the guard check, every image as delivered (the PNG or the DICOM file of the
 * download), and the release by an admin. Every {@code prov:type} is a qualified name, as in the
 * lineage ({@link ProvDocument}).
 */
public final class SetProvenance {
    private SetProvenance() {
    }

    public static Map<String, Object> build(SetView set, Manifest manifest, SetArchive.Format format,
            Map<String, Object> modelLineage) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("prefix", Map.of(
                "synthray", ProvDocument.SYNTHRAY_NS,
                "sha256", "urn:sha256:",
                "set", "urn:synthray:set:",
                "site", "urn:synthray:site:",
                "user", "urn:synthray:user:"));
        Map<String, Object> entity = section(doc, "entity");
        Map<String, Object> activity = section(doc, "activity");
        Map<String, Object> agent = section(doc, "agent");
        String setId = "set:" + set.id();
        String model = ProvenanceService.modelId(set.model());
        String generation = "synthray:generation-" + set.id();
        String guard = "synthray:guard-check-" + set.id();
        String site = ProvenanceService.siteId(set.site());

        entity.put(model, attrs("prov:type", "synthray:ModelVersion", "synthray:source", set.modelSource()));
        entity.put(setId, attrs("prov:type", "synthray:SyntheticSet", "synthray:images", set.images(),
                "synthray:guardRejected", set.guardRejected(), "synthray:manifestHead", set.manifestHead(),
                "synthray:licence", set.licence(), "synthray:state", set.state()));
        agent.put(site, attrs("prov:type", "prov:Organization"));
        activity.put(generation, attrs("prov:type", "synthray:Generation", "prov:endTime", set.generatedAt(),
                "synthray:sampler", set.sampler(), "synthray:steps", set.steps(), "synthray:guidance", set.guidance()));
        activity.put(guard, attrs("prov:type", "synthray:GuardCheck", "synthray:accepted", set.images(),
                "synthray:rejected", set.guardRejected()));

        Map<String, Object> used = section(doc, "used");
        Map<String, Object> generated = section(doc, "wasGeneratedBy");
        Map<String, Object> associated = section(doc, "wasAssociatedWith");
        Map<String, Object> derived = section(doc, "wasDerivedFrom");
        Map<String, Object> members = section(doc, "hadMember");
        used.put("_:u-model", Map.of("prov:activity", generation, "prov:entity", model));
        associated.put("_:a-generation", Map.of("prov:activity", generation, "prov:agent", site));
        associated.put("_:a-guard", Map.of("prov:activity", guard, "prov:agent", site));
        int i = 0;
        for (ManifestEntry e : manifest.entries()) {
            String image = "sha256:" + format.sha256(e);
            entity.put(image, attrs("prov:type", "synthray:SyntheticImage", "synthray:file", format.file(e),
                    "synthray:manifestSeq", e.seq(), "synthray:prompt", e.prompt(), "synthray:seed", e.seed(),
                    "synthray:pixelScore", e.guard().pixelScore(), "synthray:embeddingScore", e.guard().embeddingScore()));
            generated.put("_:g" + i, Map.of("prov:entity", image, "prov:activity", generation));
            used.put("_:c" + i, Map.of("prov:activity", guard, "prov:entity", image));
            derived.put("_:d" + i, Map.of("prov:generatedEntity", image, "prov:usedEntity", model));
            members.put("_:m" + i, Map.of("prov:collection", setId, "prov:entity", image));
            i++;
        }
        generated.put("_:g-set", Map.of("prov:entity", setId, "prov:activity", guard));
        if (set.decidedAt() != null && "released".equals(set.state())) {
            String release = "synthray:release-" + set.id();
            String admin = "user:" + set.decidedBy();
            activity.put(release, attrs("prov:type", "synthray:Release", "prov:endTime", set.decidedAt().toString(),
                    "synthray:reason", set.decisionReason()));
            agent.put(admin, attrs("prov:type", actorType(set.decidedBy())));
            used.put("_:u-release", Map.of("prov:activity", release, "prov:entity", setId));
            associated.put("_:a-release", Map.of("prov:activity", release, "prov:agent", admin));
        }
        merge(doc, modelLineage);
        return doc;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> doc, String name) {
        return (Map<String, Object>) doc.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
    }

    /**
     * A person, or a program acting with a client's credentials: Keycloak names a client's service
     * account {@code service-account-<client id>} (the demo's admin command line is one).
     */
    static String actorType(String actor) {
        String name = actor.substring(actor.indexOf(':') + 1);
        return name.startsWith("service-account-") ? ProvenanceService.SOFTWARE : ProvenanceService.PERSON;
    }

    /** Attributes without the null ones; {@code prov:type} as a qualified name. */
    private static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) {
            if (kv[k + 1] != null) {
                m.put((String) kv[k], kv[k].equals("prov:type") ? ProvDocument.qualifiedName((String) kv[k + 1]) : kv[k + 1]);
            }
        }
        return m;
    }

    /** Adds the model's lineage sections; records already present (the model entity) keep theirs and gain its. */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> doc, Map<String, Object> lineage) {
        for (Map.Entry<String, Object> s : lineage.entrySet()) {
            if (!(s.getValue() instanceof Map<?, ?> records)) {
                continue;
            }
            Map<String, Object> target = section(doc, s.getKey());
            for (Map.Entry<?, ?> r : records.entrySet()) {
                Object mine = target.get(String.valueOf(r.getKey()));
                if (mine instanceof Map<?, ?> m && r.getValue() instanceof Map<?, ?> theirs) {
                    Map<String, Object> both = new LinkedHashMap<>((Map<String, Object>) theirs);
                    both.putAll((Map<String, Object>) m);
                    target.put(String.valueOf(r.getKey()), both);
                } else if (mine == null) {
                    target.put(String.valueOf(r.getKey()), r.getValue());
                }
            }
        }
    }

    /** Keys of the sections a PROV-JSON document may have, for tests and readers. */
    public static final List<String> SECTIONS = List.of("prefix", "entity", "activity", "agent", "used", "wasGeneratedBy",
            "wasAssociatedWith", "wasDerivedFrom", "hadMember");
}
