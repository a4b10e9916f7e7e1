package org.synthray.coordinator.sets;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Filters for the released-set catalog; null fields do not filter. */
public record SetFilter(String text, String site, String model, LocalDate from, LocalDate to) {
    /**
     * The filter from query parameters as users type them.
     *
     * @param text    words in a prompt, e.g. a finding ({@code effusion})
     * @param finding the same, by its usual name (used when {@code text} is empty)
     * @param from    released on or after (ISO date)
     * @param to      released on or before (ISO date)
     * @throws IllegalArgumentException for a date that does not parse
     */
    public static SetFilter parse(String text, String finding, String site, String model, String from, String to) {
        return new SetFilter(text != null && !text.isBlank() ? text : finding, site, model, date("from", from), date("to", to));
    }

    private static LocalDate date(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            LocalDate d = LocalDate.parse(value.strip());
            if (d.getYear() < 1 || d.getYear() > 9999) {
                // Years like +999999999 parse but no database timestamp holds them.
                throw new IllegalArgumentException(name + " must be a date between 0001-01-01 and 9999-12-31, got '"
                        + value + "'");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be a date like 2026-11-28, got '" + value + "'");
        }
    }
}
