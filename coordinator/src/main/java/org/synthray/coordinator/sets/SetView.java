package org.synthray.coordinator.sets;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.json.CanonicalJson;

/** A synthetic set as the REST API and the console show it. */
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
