package org.synthray.coordinator.sets;

import java.util.List;

/** A commit while listed files are still missing: the site uploads them and commits again. */
public class IncompleteSetException extends IllegalStateException {
    private final List<String> missing;

    public IncompleteSetException(String setId, List<String> missing) {
        super("set " + setId + " is incomplete: " + missing.size() + " listed file(s) not uploaded yet ("
                + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
                + (missing.size() > 5 ? ", …" : "") + "); upload them and commit again");
        this.missing = List.copyOf(missing);
    }

    public List<String> missing() {
        return missing;
    }
}
