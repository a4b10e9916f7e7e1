package org.synthray.coordinator.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * REST with authentication on, against the real Keycloak: every /api endpoint needs a valid bearer
 * token with the right role; refused calls change nothing.
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
class RestAuthTest {
    @jakarta.inject.Inject
    LedgerProbe ledger;

    private static final String SPEC = "{\"name\": \"auth\", \"rounds\": 1, \"min_sites\": 1}";

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static List<String> runIds() {
        return as(Tokens.of(Tokens.ADMIN)).get("/api/runs").then().statusCode(200).extract().jsonPath().getList("id");
    }

    @Test
    void anAdminRunsTheConsortium() {
        long seq = ledger.head();
        String admin = Tokens.of(Tokens.ADMIN);
        String id = as(admin).contentType(ContentType.JSON).body(SPEC).post("/api/runs")
                .then().statusCode(201).body("state", equalTo("CREATED")).extract().path("id");
        as(admin).get("/api/runs").then().statusCode(200).body("id", hasItem(id));
        as(admin).post("/api/sites/hannover/approve").then().statusCode(200)
                .body("status", equalTo("APPROVED")).body("decidedBy", equalTo("admin:service-account-synthray-admin-cli"));
        as(admin).get("/api/sites").then().statusCode(200).body("id", hasItem("hannover"));
        as(admin).get("/api/ledger/verify").then().statusCode(200).body("ok", equalTo(true));
        // The admin's acts are attributed to the admin the token names.
        String actor = "admin:service-account-synthray-admin-cli";
        org.junit.jupiter.api.Assertions.assertEquals(List.of("RUN_CREATED", "SITE_APPROVED"),
                ledger.by(seq, actor).stream().map(e -> e.type()).toList());
        as(Tokens.of(Tokens.RESEARCHER)).get("/api/ledger").then().statusCode(403);
    }

    @Test
    void withoutAValidTokenEveryEndpointAnswers401() throws Exception {
        int before = runIds().size();
        long seq = ledger.head();
        for (String bad : new String[] {null, "not-a-jwt", Tokens.expired(), Tokens.fromOtherRealm(),
                Tokens.forged(Tokens.ADMIN, Roles.ADMIN), Tokens.of("synthray-no-audience")}) {
            RequestSpecification r = bad == null ? given() : as(bad);
            r.get("/api/runs").then().statusCode(401);
            (bad == null ? given() : as(bad)).contentType(ContentType.JSON).body(SPEC).post("/api/runs").then().statusCode(401);
            (bad == null ? given() : as(bad)).get("/api/sites").then().statusCode(401);
            (bad == null ? given() : as(bad)).post("/api/sites/never-approved/approve").then().statusCode(401);
            (bad == null ? given() : as(bad)).get("/api/models/" + "ab".repeat(32)).then().statusCode(401);
        }
        // Nothing was created, no site was approved.
        org.junit.jupiter.api.Assertions.assertEquals(before, runIds().size());
        as(Tokens.of(Tokens.ADMIN)).get("/api/sites").then().statusCode(200).body("id", not(hasItem("never-approved")));
        // Unauthenticated calls are not recorded: an outsider cannot fill the ledger.
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), ledger.ofType(seq, "ACCESS_REFUSED"));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), ledger.ofType(seq, "RUN_CREATED"));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), ledger.ofType(seq, "SITE_APPROVED"));
    }

    @Test
    void researchersAndSitesCannotRunTheConsortium() {
        int before = runIds().size();
        long seq = ledger.head();
        for (String client : new String[] {Tokens.RESEARCHER, "nih-b"}) {
            String t = Tokens.of(client);
            as(t).get("/api/runs").then().statusCode(403);
            as(t).contentType(ContentType.JSON).body(SPEC).post("/api/runs").then().statusCode(403);
            as(t).get("/api/sites").then().statusCode(403);
            as(t).post("/api/sites/never-approved/approve").then().statusCode(403);
            as(t).contentType(ContentType.JSON).body("{}").post("/api/sites/never-revoked/revoke").then().statusCode(403);
            as(t).contentType("application/octet-stream").body(new byte[] {1, 2, 3}).post("/api/models").then().statusCode(403);
        }
        org.junit.jupiter.api.Assertions.assertEquals(before, runIds().size());
        as(Tokens.of(Tokens.ADMIN)).get("/api/sites").then().statusCode(200).body("id", not(hasItem("never-approved"))).body("id", not(hasItem("never-revoked")));
        // Each refusal is in the ledger, attributed to the caller; nothing else the callers did is.
        for (String actor : List.of("researcher:service-account-synthray-researcher-cli", "site:nih-b")) {
            // (nih-b may be enrolled as pending on its first call, if no other test saw it before.)
            var events = ledger.by(seq, actor).stream().filter(e -> !e.type().equals("SITE_ENROLLED")).toList();
            org.junit.jupiter.api.Assertions.assertTrue(events.stream().allMatch(e -> e.type().equals("ACCESS_REFUSED")), events.toString());
            // Six refused calls, aggregated per caller (one event a minute with a count).
            org.junit.jupiter.api.Assertions.assertEquals(6, LedgerProbe.refusedCalls(events), actor + ": " + events);
            org.junit.jupiter.api.Assertions.assertTrue(events.size() < 6, actor + ": " + events);
        }
        org.junit.jupiter.api.Assertions.assertTrue(ledger.by(seq, "researcher:service-account-synthray-researcher-cli").stream()
                .anyMatch(e -> e.payload().contains("POST /api/sites/never-approved/approve")));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), ledger.ofType(seq, "RUN_CREATED"));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), ledger.ofType(seq, "SITE_APPROVED"));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), ledger.ofType(seq, "SITE_REVOKED"));
    }

    @Test
    void malformedBearerTokensAre401WithoutAskingKeycloak() {
        try (LogCapture logs = LogCapture.start()) {
            for (String bad : Tokens.MALFORMED) {
                as(bad).get("/api/runs").then().statusCode(401);
                as(bad).get("/api/released-sets").then().statusCode(401);
                as(bad).contentType(ContentType.JSON).body(SPEC).post("/api/runs").then().statusCode(401);
            }
            // Not a JWT: refused locally, no introspection request per call, no ERROR per call.
            org.junit.jupiter.api.Assertions.assertEquals(List.of(), logs.introspectionsStarted());
            org.junit.jupiter.api.Assertions.assertEquals(List.of(), logs.errors());
        }
    }

    @Test
    void aBurstOfRefusedCallsIsOneLedgerEventWithACount() {
        long seq = ledger.head();
        String researcher = Tokens.of(Tokens.RESEARCHER);
        String longPath = "/api/sites/" + "x".repeat(3000) + "/approve";
        int n = 50;
        for (int i = 0; i < n; i++) {
            as(researcher).post(i % 2 == 0 ? longPath : "/api/sites/s" + i + "/approve").then().statusCode(403);
        }
        var events = ledger.by(seq, "researcher:service-account-synthray-researcher-cli");
        org.junit.jupiter.api.Assertions.assertEquals(n, LedgerProbe.refusedCalls(events), events.toString());
        // One event per minute of refusals: a burst is one (two if it straddles the end of a window).
        org.junit.jupiter.api.Assertions.assertTrue(events.size() <= 2, events.toString());
        // Each bounded: a few distinct calls as examples, each cut to 200 characters.
        events.forEach(e -> org.junit.jupiter.api.Assertions.assertTrue(e.payload().length() < 2000, e.payload()));
        org.junit.jupiter.api.Assertions.assertTrue(events.get(0).payload().contains("POST /api/sites/xxxx"), events.toString());
    }

    @Test
    void researchersCannotReadModelLineage() {
        // A lineage names sites, runs and update hashes: admins only (docs/security.md).
        String sha = "ab".repeat(32);
        as(Tokens.of(Tokens.RESEARCHER)).get("/api/provenance/models/" + sha).then().statusCode(403);
        as(Tokens.of("nih-b")).get("/api/provenance/models/" + sha).then().statusCode(403);
        as(Tokens.of(Tokens.ADMIN)).get("/api/provenance/models/" + sha).then().statusCode(404);
    }

    @Test
    void siteEndpointsServeApprovedSitesOnly() {
        String admin = Tokens.of(Tokens.ADMIN);
        as(admin).post("/api/sites/nih-a/approve").then().statusCode(200);
        as(Tokens.of("nih-a")).get("/api/test/site-only").then().statusCode(200).body(equalTo("nih-a"));
        // leipzig has never called: it is enrolled as pending and refused.
        long seq = ledger.head();
        as(Tokens.of("leipzig")).get("/api/test/site-only").then().statusCode(403);
        as(admin).get("/api/sites").then().statusCode(200).body("find { it.id == 'leipzig' }.status", equalTo("PENDING"));
        org.junit.jupiter.api.Assertions.assertEquals(List.of("SITE_ENROLLED", "ACCESS_REFUSED"),
                ledger.by(seq, "site:leipzig").stream().map(e -> e.type()).toList());
        as(admin).contentType(ContentType.JSON).body("{}").post("/api/sites/hannover/revoke").then().statusCode(200);
        as(Tokens.of("hannover")).get("/api/test/site-only").then().statusCode(403);
        as(admin).get("/api/test/site-only").then().statusCode(403);
        as(admin).post("/api/sites/hannover/approve").then().statusCode(200);
        as(Tokens.of("hannover")).get("/api/test/site-only").then().statusCode(200).body(equalTo("hannover"));
    }

    @Test
    void healthStaysOpenForProbes() {
        given().get("/q/health/ready").then().statusCode(200);
    }
}
