package org.synthray.coordinator.sets;

import com.fasterxml.jackson.databind.JsonNode;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.json.CanonicalJson;

/** The set plus what set.json says about the guard and evaluation: everything a datasheet shows. */
public record Datasheet(SetView set, JsonNode guard, JsonNode evaluation) {
    static Datasheet of(SyntheticSetRecord r) {
        JsonNode json = CanonicalJson.parse(r.setJson);
        return new Datasheet(SetView.of(r), json.path("guard"), json.hasNonNull("evaluation") ? json.get("evaluation") : null);
    }
}
