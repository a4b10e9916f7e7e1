package org.synthray.coordinator.sets;

import static org.synthray.coordinator.sets.SetRecords.blank;

import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;
import org.synthray.coordinator.persistence.SyntheticSetRecord;
import org.synthray.coordinator.persistence.SyntheticSetRecord.State;

/**
 * Consortium admins' side of synthetic sets: every set in every state, its datasheet, and the review
 * uploaded → in review → released | rejected, each decision with its reason and a ledger event by
 * the admin in the same transaction. {@link IllegalStateException} for a step the set's state does
 * not allow.
 */
@ApplicationScoped
public class SetReviewService {
    @Inject
    Ledger ledger;

    @Inject
    SetsConfig config;

    /**
     * Sets in a state given by its wire name ({@code uploaded}, {@code in_review}…), newest first;
     * every set when {@code state} is empty.
     *
     * @throws IllegalArgumentException for an unknown state
     */
    public List<SetView> list(String state) {
        State s = null;
        if (state != null && !state.isBlank()) {
            try {
                s = State.valueOf(state.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("state must be uploading, uploaded, in_review, released or rejected");
            }
        }
        return list(s);
    }

    /** Sets that wait for an admin: uploaded or in review, oldest upload first. */
    @Transactional
    public List<SetView> awaitingReview() {
        List<SyntheticSetRecord> rows = SyntheticSetRecord.list("state in ?1", Sort.ascending("uploadedAt"),
                List.of(State.UPLOADED, State.IN_REVIEW));
        return rows.stream().map(SetView::of).toList();
    }

    @Transactional
    public List<SetView> list(State state) {
        List<SyntheticSetRecord> rows = state == null
                ? SyntheticSetRecord.listAll(Sort.descending("createdAt"))
                : SyntheticSetRecord.list("state", Sort.descending("createdAt"), state);
        return rows.stream().map(SetView::of).toList();
    }

    @Transactional
    public SetView get(String id) {
        return SetView.of(SetRecords.load(id));
    }

    @Transactional
    public Datasheet datasheet(String id) {
        return Datasheet.of(SetRecords.load(id));
    }

    @Transactional
    public SetView review(String id, String actor, String reason) {
        SyntheticSetRecord r = SetRecords.load(id);
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
        SyntheticSetRecord r = SetRecords.load(id);
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
        SyntheticSetRecord r = SetRecords.load(id);
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

    static Map<String, Object> payload(SyntheticSetRecord r, String reason) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("set", r.id);
        p.put("site", r.siteId);
        if (!blank(reason)) {
            p.put("reason", reason.strip());
        }
        return p;
    }
}
