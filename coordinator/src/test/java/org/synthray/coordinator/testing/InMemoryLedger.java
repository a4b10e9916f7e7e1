package org.synthray.coordinator.testing;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.Ledger;

/** Mock ledger (in memory), used only while no real Ledger implementation is on the class path. */
@ApplicationScoped
@DefaultBean
public class InMemoryLedger implements Ledger {
    public record Event(String actor, EventType type, Map<String, ?> payload) {
    }

    public final List<Event> events = new ArrayList<>();

    @Override
    public synchronized long append(String actor, EventType type, Map<String, ?> payload) {
        events.add(new Event(actor, type, payload));
        return events.size();
    }
}
