package org.synthray.coordinator.sets;

/** No synthetic set with this id (or none the caller may see). */
public class NoSuchSetException extends RuntimeException {
    public NoSuchSetException(String id) {
        super("no synthetic set " + id);
    }

    /** @param message why the set cannot be seen, e.g. that it is not released */
    public NoSuchSetException(String id, String message) {
        super(message != null ? message : "no synthetic set " + id);
    }
}
