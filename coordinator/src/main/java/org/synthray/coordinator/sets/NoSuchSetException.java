package org.synthray.coordinator.sets;

/** No synthetic set with this id (or none the caller may see). */
public class NoSuchSetException extends RuntimeException {
    public NoSuchSetException(String id) {
        super("no synthetic set " + id);
    }
}
