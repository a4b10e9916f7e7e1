package org.synthray.coordinator.ledger;

/** The actor names the ledger uses; who the caller is comes from {@code security} (Caller, GrpcCaller). */
public final class Actors {
    /** The federation engine and anything else the coordinator does on its own. */
    public static final String COORDINATOR = "coordinator";
    /** An administrator nobody named (authentication off and no {@code --user}). */
    public static final String ADMIN = "admin";
    /** A researcher nobody named. */
    public static final String RESEARCHER = "researcher";

    private Actors() {
    }

    public static String site(String siteId) {
        return "site:" + siteId;
    }

    public static String admin(String user) {
        return named(ADMIN, user);
    }

    public static String researcher(String user) {
        return named(RESEARCHER, user);
    }

    /** A caller with none of SynthRay's roles (only refusals are recorded for one). */
    public static String user(String user) {
        return "user:" + user;
    }

    private static String named(String role, String user) {
        return user == null || user.isBlank() ? role : role + ":" + user;
    }
}
