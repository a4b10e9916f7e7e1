package org.synthray.coordinator.flower;

/** The client's stream ended while an instruction was outstanding. */
public final class ClientDisconnectedException extends RuntimeException {
    public ClientDisconnectedException(String message) {
        super(message);
    }
}
