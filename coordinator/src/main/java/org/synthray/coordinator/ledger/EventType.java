package org.synthray.coordinator.ledger;

/** What a ledger event records. Names are stored as written here; never rename one. */
public enum EventType {
  SITE_ENROLLED,
  SITE_APPROVED,
  SITE_REVOKED,
  ACCESS_REFUSED,
  RUN_CREATED,
  RUN_STARTED,
  RUN_COMPLETED,
  RUN_FAILED,
  RUN_CANCELLED,
  ROUND_COMPLETED,
  UPDATE_ACCEPTED,
  UPDATE_REJECTED,
  MODEL_VERSION_CREATED,
  SET_UPLOADED,
  SET_IN_REVIEW,
  SET_RELEASED,
  SET_REJECTED,
  SET_DOWNLOADED,
  MODEL_UPLOADED,
  MODEL_DESCRIBED,
  /** A coordinator restarted and picked up a run that was running when it stopped. */
  RUN_RESUMED
}
