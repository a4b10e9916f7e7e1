package org.synthray.coordinator.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A PROV document, written as PROV-JSON (W3C Member Submission, 2013). Records are added by
 * identifier (a qualified name such as {@code synthray:model-<sha256>}); adding a record twice merges
 * its attributes, and adding the same relation twice keeps one. Not thread-safe.
 *
 * <p>Attribute values may be strings, numbers, booleans, {@link #qualifiedName(String)} values or
 * lists of those; nulls are left out.
 */
public final class ProvDocument {
    /** The namespace of SynthRay's identifiers and attributes. */
    public static final String SYNTHRAY_NS = "https://synthray.org/ns/prov#";
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] ORDER = {"prefix", "entity", "activity", "agent", "wasGeneratedBy", "used",
        "wasInformedBy", "wasStartedBy", "wasEndedby", "wasInvalidatedBy", "wasDerivedFrom", "wasAttributedTo",
        "wasAssociatedWith", "actedOnBehalfOf", "wasInfluencedBy", "specializationOf", "alternateOf", "hadMember"};

    private final Map<String, Map<String, ObjectNode>> sections = new LinkedHashMap<>();
    private final Map<String, String> prefixes = new LinkedHashMap<>();
    private final Set<String> relationKeys = new HashSet<>();
    private int nextRelation = 1;

    public ProvDocument() {
        prefixes.put("synthray", SYNTHRAY_NS);
    }

    /** A value written as a PROV qualified name ({@code {"$": name, "type": "prov:QUALIFIED_NAME"}}). */
    public static Map<String, Object> qualifiedName(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("$", name);
        m.put("type", "prov:QUALIFIED_NAME");
        return m;
    }

    /** A timestamp as PROV-JSON writes it (xsd:dateTime, UTC, milliseconds). */
    public static String time(Instant t) {
        return TIME.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    public static String time(OffsetDateTime t) {
        return t == null ? null : time(t.toInstant());
    }

    public ProvDocument prefix(String prefix, String namespace) {
        prefixes.put(prefix, namespace);
        return this;
    }

    /** Adds (or adds attributes to) an entity; {@code type} becomes its {@code prov:type}. */
    public ProvDocument entity(String id, String type, Map<String, ?> attributes) {
        record("entity", id, type, attributes);
        return this;
    }

    public ProvDocument activity(String id, String type, Instant start, Instant end, Map<String, ?> attributes) {
        ObjectNode a = record("activity", id, type, attributes);
        if (start != null) {
            a.put("prov:startTime", time(start));
        }
        if (end != null) {
            a.put("prov:endTime", time(end));
        }
        return this;
    }

    public ProvDocument agent(String id, String type, Map<String, ?> attributes) {
        record("agent", id, type, attributes);
        return this;
    }

    public boolean has(String id) {
        return sections.values().stream().anyMatch(s -> s.containsKey(id));
    }

    public boolean hasEntity(String id) {
        return section("entity").containsKey(id);
    }

    /** The entity was made by the activity. Returns the relation's identifier. */
    public String wasGeneratedBy(String entity, String activity, Instant time) {
        return relation("wasGeneratedBy", attrs("prov:entity", entity, "prov:activity", activity, "prov:time", time == null ? null : time(time)));
    }

    public String used(String activity, String entity, Instant time) {
        return relation("used", attrs("prov:activity", activity, "prov:entity", entity, "prov:time", time == null ? null : time(time)));
    }

    /** {@code generated} was derived from {@code used}, through {@code activity} (optional). */
    public String wasDerivedFrom(String generated, String used, String activity) {
        return relation("wasDerivedFrom", attrs("prov:generatedEntity", generated, "prov:usedEntity", used, "prov:activity", activity));
    }

    public String wasAttributedTo(String entity, String agent) {
        return relation("wasAttributedTo", attrs("prov:entity", entity, "prov:agent", agent));
    }

    /** The agent took part in the activity, in the given role (optional, e.g. {@code synthray:aggregator}). */
    public String wasAssociatedWith(String activity, String agent, String role) {
        Map<String, Object> a = attrs("prov:activity", activity, "prov:agent", agent);
        if (role != null) {
            a.put("prov:role", qualifiedName(role));
        }
        return relation("wasAssociatedWith", a);
    }

    /** The entity is a member of the collection (a synthetic set's images, for example). */
    public String hadMember(String collection, String entity) {
        return relation("hadMember", attrs("prov:collection", collection, "prov:entity", entity));
    }

    public String wasInformedBy(String informed, String informant) {
        return relation("wasInformedBy", attrs("prov:informed", informed, "prov:informant", informant));
    }

    /** Identifiers of the records in one section ({@code entity}, {@code used}, …). */
    public Collection<String> ids(String section) {
        return section(section).keySet();
    }

    /** The PROV-JSON object. */
    public ObjectNode toJson() {
        ObjectNode doc = F.objectNode();
        ObjectNode p = doc.putObject("prefix");
        prefixes.forEach(p::put);
        for (String name : ORDER) {
            Map<String, ObjectNode> s = sections.get(name);
            if (s != null && !s.isEmpty()) {
                ObjectNode out = doc.putObject(name);
                s.forEach(out::set);
            }
        }
        return doc;
    }

    private Map<String, ObjectNode> section(String name) {
        return sections.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    private ObjectNode record(String section, String id, String type, Map<String, ?> attributes) {
        Objects.requireNonNull(id, "id");
        ObjectNode r = section(section).computeIfAbsent(id, k -> F.objectNode());
        if (type != null) {
            r.set("prov:type", value(qualifiedName(type)));
        }
        if (attributes != null) {
            attributes.forEach((k, v) -> {
                if (v != null) {
                    r.set(k, value(v));
                }
            });
        }
        return r;
    }

    private String relation(String section, Map<String, Object> attributes) {
        ObjectNode r = F.objectNode();
        attributes.forEach((k, v) -> {
            if (v != null) {
                r.set(k, value(v));
            }
        });
        String key = section + r;
        if (!relationKeys.add(key)) {
            for (Map.Entry<String, ObjectNode> e : section(section).entrySet()) {
                if (e.getValue().equals(r)) {
                    return e.getKey();
                }
            }
        }
        String id = "_:" + section + (nextRelation++);
        section(section).put(id, r);
        return id;
    }

    private static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static JsonNode value(Object v) {
        if (v instanceof JsonNode n) {
            return n;
        }
        if (v instanceof String s) {
            return F.textNode(s);
        }
        if (v instanceof Boolean b) {
            return F.booleanNode(b);
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            return F.numberNode(((Number) v).longValue());
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? F.numberNode(d) : F.textNode(Double.toString(d));
        }
        if (v instanceof Instant t) {
            return F.textNode(time(t));
        }
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = F.objectNode();
            m.forEach((k, x) -> o.set(String.valueOf(k), value(x)));
            return o;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = F.arrayNode();
            c.forEach(x -> a.add(value(x)));
            return a;
        }
        return F.textNode(String.valueOf(v));
    }
}
