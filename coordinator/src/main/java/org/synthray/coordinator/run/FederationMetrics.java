package org.synthray.coordinator.run;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.synthray.coordinator.federation.Participation;
import org.synthray.coordinator.federation.RoundSummary;
import org.synthray.coordinator.flower.ClientRegistry;

/** Prometheus metrics for rounds, the same numbers as the round log line. */
@ApplicationScoped
public class FederationMetrics {
    @Inject
    MeterRegistry meters;

    @Inject
    ClientRegistry registry;

    private final Map<String, AtomicReference<Double>> losses = new ConcurrentHashMap<>();

    void register(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent e) {
        meters.gauge("synthray_connected_clients", registry, r -> r.connected().size());
    }

    void round(RoundSummary s) {
        Tags run = Tags.of("run", s.runId());
        meters.counter("synthray_rounds_total", run.and("outcome", s.completed() ? "completed" : "failed")).increment();
        meters.timer("synthray_round_duration", run).record(s.duration().toNanos(), TimeUnit.NANOSECONDS);
        meters.counter("synthray_bytes_in_total", run).increment(s.bytesIn());
        meters.counter("synthray_bytes_out_total", run).increment(s.bytesOut());
        meters.counter("synthray_sites_asked_total", run).increment(s.asked());
        for (Participation p : s.participations()) {
            meters.counter("synthray_site_results_total", run.and("phase", p.phase().name().toLowerCase())
                    .and("outcome", p.outcome().name().toLowerCase())).increment();
        }
        if (s.evaluation().numExamples() > 0) {
            losses.computeIfAbsent(s.runId(), k -> {
                AtomicReference<Double> ref = new AtomicReference<>(Double.NaN);
                meters.gauge("synthray_eval_loss", run, ref, AtomicReference::get);
                return ref;
            }).set(s.evaluation().loss());
        }
    }

    void lateReply(String runId) {
        meters.counter("synthray_site_results_total", Tags.of("run", runId, "phase", "fit", "outcome", "late")).increment();
    }
}
