package org.synthray.coordinator.ledger;

/** The actor names the ledger uses. */
public final class Actors {
    /** The federation engine and anything else the coordinator does on its own. */
    public static final String COORDINATOR = "coordinator";
    /** An administrator acting through the REST API or {@code synthray-admin} (until identities name the user). */
    public static final String ADMIN = "admin";

    private Actors() {
    }

    public static String site(String siteId) {
        return "site:" + siteId;
    }

    public static String admin(String user) {
        return user == null || user.isBlank() ? ADMIN : "admin:" + user;
    }
}
