package org.synthray.coordinator.testing;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;

/** Records ledger events in memory, for tests, where the coordinator has no ledger of its own. */
@ApplicationScoped
@DefaultBean
public class RecordingLedger implements Ledger {
    public record Event(String actor, EventType type, Map<String, ?> payload) {
    }

    public final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public long append(String actor, EventType type, Map<String, ?> payload) {
        events.add(new Event(actor, type, Map.copyOf(payload)));
        return events.size();
    }
}
