package org.synthray.coordinator.run;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.coordinator.persistence.ParticipationRecord;
import org.synthray.coordinator.persistence.RoundRecord;
import org.synthray.coordinator.persistence.RunRecord;
import org.synthray.json.CanonicalJson;

/**
 * Where a run stands, as the live run page shows it: losses per round (the global model's and each
 * site's), each site's part in the latest round, rejected updates with their reasons, and the
 * privacy budget spent so far.
 */
@ApplicationScoped
public class RunProgress {
    /** At most this many rejected updates are listed (newest first). */
    static final int MAX_REJECTED = 50;

    @Inject
    RunService runs;

    @Inject
    ClientRegistry clients;

    /**
     * Loss series for the chart: {@code rounds[i]} is the round number of every series' i-th value;
     * a site that sent nothing in a round has null there.
     */
    public record Series(List<Integer> rounds, List<Double> globalTrain, List<Double> globalValidation,
                         Map<String, List<Double>> siteTrain, Map<String, List<Double>> siteValidation) {
    }

    public record SiteStatus(String site, String phase, String outcome, String reason, Long numExamples, Double loss) {
    }

    public record Rejection(int round, String site, String phase, String reason) {
    }

    /**
     * @param sites   each site's part in {@code currentRound}, the latest round anything was recorded for
     * @param version changes whenever anything shown changes (the live page sends an update then)
     */
    public record Progress(RunRecord run, int currentRound, List<SiteStatus> sites, List<String> connected,
                           List<Rejection> rejected, Double epsilon, Double delta, Series series, long version) {
    }

    @Transactional
    public Progress of(String runId) {
        RunRecord run = runs.get(runId);
        List<RoundRecord> rounds = RoundRecord.ofRun(runId);
        List<ParticipationRecord> parts = ParticipationRecord.list("runId = ?1 order by id", runId);

        TreeMap<Integer, RoundRecord> lastAttempt = new TreeMap<>();
        for (RoundRecord r : rounds) {
            lastAttempt.put(r.roundNumber, r);
        }
        TreeSet<Integer> roundNumbers = new TreeSet<>(lastAttempt.keySet());
        for (ParticipationRecord p : parts) {
            roundNumbers.add(p.roundNumber);
        }
        List<Integer> xs = new ArrayList<>(roundNumbers);
        List<Double> gTrain = new ArrayList<>();
        List<Double> gVal = new ArrayList<>();
        Double epsilon = null;
        Double delta = null;
        for (int x : xs) {
            RoundRecord r = lastAttempt.get(x);
            gTrain.add(r == null ? null : r.trainLoss);
            gVal.add(r == null ? null : r.evalLoss);
            if (r != null && r.metrics != null) {
                JsonNode m = CanonicalJson.parse(r.metrics);
                JsonNode e = m.findValue("dp_epsilon");
                if (e != null && e.isNumber()) {
                    epsilon = e.asDouble();
                }
                JsonNode d = m.findValue("dp_delta");
                if (d != null && d.isNumber()) {
                    delta = d.asDouble();
                }
            }
        }
        Map<String, List<Double>> sTrain = new TreeMap<>();
        Map<String, List<Double>> sVal = new TreeMap<>();
        List<Rejection> rejected = new ArrayList<>();
        for (ParticipationRecord p : parts) {
            Map<String, List<Double>> target = "EVALUATE".equals(p.phase) ? sVal : sTrain;
            List<Double> series = target.computeIfAbsent(p.siteId, k -> nulls(xs.size()));
            if ("ACCEPTED".equals(p.outcome) && p.loss != null) {
                series.set(xs.indexOf(p.roundNumber), p.loss);
            }
            if ("REJECTED".equals(p.outcome) || "FAILED".equals(p.outcome)) {
                rejected.add(0, new Rejection(p.roundNumber, p.siteId, p.phase, p.reason));
            }
        }
        int current = xs.isEmpty() ? 0 : xs.get(xs.size() - 1);
        List<SiteStatus> now = parts.stream().filter(p -> p.roundNumber == current)
                .map(p -> new SiteStatus(p.siteId, p.phase, p.outcome, p.reason, p.numExamples, p.loss)).toList();
        List<String> connected = clients.connected(runId).stream().map(c -> c.siteId()).filter(s -> s != null)
                .distinct().sorted().toList();
        long version = java.util.Objects.hash(parts.size(), rounds.size(), run.state, run.lastCompletedRound, connected);
        return new Progress(run, current, now, connected, rejected.subList(0, Math.min(MAX_REJECTED, rejected.size())),
                epsilon, delta, new Series(xs, gTrain, gVal, sTrain, sVal), version);
    }

    private static List<Double> nulls(int n) {
        List<Double> l = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            l.add(null);
        }
        return l;
    }
}
