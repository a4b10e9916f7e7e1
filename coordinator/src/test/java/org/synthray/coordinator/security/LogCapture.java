package org.synthray.coordinator.security;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what the coordinator logs while it is open (the JBoss log manager is a java.util.logging
 * one, so a handler on the root logger sees every record of the application under test).
 */
final class LogCapture extends Handler implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    static LogCapture start() {
        LogCapture c = new LogCapture();
        c.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(c);
        return c;
    }

    /** Records at ERROR (SEVERE) or above, as "logger: message". */
    List<String> errors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(r -> r.getLoggerName() + ": " + r.getMessage()).toList();
    }

    /**
     * The token introspections quarkus-oidc started (its DEBUG "Starting the ... token introspection"
     * line, logged just before it calls the provider's introspection endpoint).
     */
    List<String> introspectionsStarted() {
        return records.stream().map(LogRecord::getMessage)
                .filter(m -> m != null && m.startsWith("Starting the") && m.contains("introspection")).toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
