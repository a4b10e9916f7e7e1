package org.synthray.coordinator.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.coordinator.cli.AdminCliAccess;
import org.synthray.coordinator.ledger.LedgerEvent;

/**
 * With authentication off, the admin's name ({@code synthray-admin --user}, header
 * {@code X-SynthRay-User}) is the ledger actor of every admin endpoint: runs and sites as well as
 * set review (SyntheticSetsTest). With authentication on the token names the caller (RestAuthTest,
 * GrpcAuthTest).
 */
@QuarkusTest
class CallerAttributionTest {
    private static final String SPEC = "{\"name\": \"attributed\", \"rounds\": 1, \"min_sites\": 1, \"strategy\": {\"name\": \"fedavg\"}}";

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Inject
    LedgerProbe ledger;

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, AdminCliAccess.run(new PrintWriter(out), new PrintWriter(err), "http://127.0.0.1:" + port, args),
                err.toString());
        return out.toString().strip();
    }

    private static List<String> types(List<LedgerEvent> events) {
        return events.stream().map(LedgerEvent::type).toList();
    }

    @Test
    void theAdminCliUserIsTheActorForRunsAndSites(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, SPEC);
        long seq = ledger.head();
        String id = cli("--user", "carol", "runs", "create", spec.toString());
        cli("--user", "carol", "runs", "cancel", id);
        cli("--user", "carol", "sites", "approve", "attributed-site");
        cli("--user", "carol", "sites", "revoke", "attributed-site", "--reason", "left");
        assertEquals(List.of("RUN_CREATED", "RUN_CANCELLED", "SITE_APPROVED", "SITE_REVOKED"), types(ledger.by(seq, "admin:carol")));
        assertEquals(List.of(), ledger.by(seq, "admin"), "nothing is attributed to the unnamed admin");
        given().get("/api/sites").then().statusCode(200)
                .body("find { it.id == 'attributed-site' }.decidedBy", org.hamcrest.Matchers.equalTo("admin:carol"));
    }

    @Test
    void startingARunIsAttributedToTheNamedAdmin() {
        String id = given().contentType(ContentType.JSON).body(SPEC).post("/api/runs").then().statusCode(201).extract().path("id");
        long seq = ledger.head();
        given().header("X-SynthRay-User", "dana").post("/api/runs/" + id + "/start").then().statusCode(200);
        given().header("X-SynthRay-User", "dana").post("/api/runs/" + id + "/cancel").then().statusCode(200);
        var started = ledger.ofType(seq, "RUN_STARTED");
        assertEquals(1, started.size(), started.toString());
        assertEquals("admin:dana", started.get(0).actor());
    }

    @Test
    void withoutANameTheActorIsTheUnnamedAdminAndABadNameIsRefused() {
        long seq = ledger.head();
        given().contentType(ContentType.JSON).body(SPEC).post("/api/runs").then().statusCode(201);
        assertEquals(List.of("RUN_CREATED"), types(ledger.by(seq, "admin")));
        long after = ledger.head();
        String error = given().header("X-SynthRay-User", "carol; drop table").contentType(ContentType.JSON).body(SPEC)
                .post("/api/runs").then().statusCode(400).extract().path("error");
        assertTrue(error.contains("X-SynthRay-User"), error);
        assertEquals(List.of(), ledger.since(after), "a refused call records nothing");
    }
}
