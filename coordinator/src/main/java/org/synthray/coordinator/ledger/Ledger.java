package org.synthray.coordinator.ledger;

import java.util.Map;

/**
 * The provenance ledger: an append-only, hash-chained event log in the coordinator's database.
 * Every service that changes what the consortium has (runs, rounds, model versions, synthetic sets,
 * sites) appends an event here, in the same transaction as the change where there is one.
 */
public interface Ledger {

  /**
   * Appends an event and returns its sequence number. The payload is stored as canonical JSON and
   * chained: {@code hash = SHA-256(previous hash ‖ canonical payload)}. Safe under concurrent callers.
   *
   * @param actor who caused it: {@code site:<id>}, {@code admin:<user>}, {@code researcher:<user>},
   *     or {@code coordinator}
   * @param type one of {@link EventType}
   * @param payload JSON-serialisable values only (strings, numbers, booleans, lists, maps)
   */
  long append(String actor, EventType type, Map<String, ?> payload);
}
