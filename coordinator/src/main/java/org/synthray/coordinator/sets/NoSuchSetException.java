package org.synthray.coordinator.sets;

/** No synthetic set with this id (or none the caller may see). */
public class NoSuchSetException extends RuntimeException {
    public NoSuchSetException(String id) {
        super("no synthetic set " + id);
    }

    private NoSuchSetException(String message, boolean ignored) {
        super(message);
    }

    /** No such set in the sense the message gives (an image it lacks; for admins, the state it is in). */
    public static NoSuchSetException saying(String message) {
        return new NoSuchSetException(message, false);
    }

    /**
     * For the researchers' catalogue: an unknown set and one that exists but is not released are
     * refused with the same words, so a 404 never tells whether (or in which state) a set exists.
     */
    public static NoSuchSetException notReleased(String id) {
        return new NoSuchSetException("no released synthetic set " + id, false);
    }
}
