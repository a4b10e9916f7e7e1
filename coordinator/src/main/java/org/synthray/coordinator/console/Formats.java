package org.synthray.coordinator.console;

import io.quarkus.qute.TemplateExtension;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the console's templates write numbers and times. */
@TemplateExtension
public final class Formats {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT);

    private Formats() {
    }

    /** {@code {x.fixed(3)}}: a number with that many decimals; empty for null or not finite. */
    static String fixed(Double d, int decimals) {
        return d == null || !Double.isFinite(d) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", d);
    }

    /** {@code {t.utc}}: a time in UTC, to the second. */
    static String utc(OffsetDateTime t) {
        return t == null ? "" : t.atZoneSameInstant(ZoneOffset.UTC).format(TIME);
    }

    /** {@code {instant.when}}: an instant in UTC, to the second. */
    static String when(java.time.Instant t) {
        return t == null ? "" : TIME.format(t.atOffset(ZoneOffset.UTC));
    }

    /** {@code {sha.short}}: the first 12 characters of a hash. */
    static String shortHash(String s) {
        return s == null ? "" : s.length() <= 12 ? s : s.substring(0, 12) + "…";
    }

    /** {@code {s.abbreviate(300)}}: at most that many characters, "…" marking a cut. */
    static String abbreviate(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
