package org.synthray.coordinator.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * The console with sign-in off (a closed lab): every page renders and says so in a banner; forms
 * need the CSRF token even then; bad input comes back with the error next to its field, escaped.
 * The browser test (ConsoleBrowserTest) covers the same pages with Keycloak sign-in.
 */
@QuarkusTest
class ConsolePagesTest {
    static final String SCRIPT = "<script>alert(1)</script>";

    @Test
    void theRootOpensTheConsoleAndEveryPageRendersWithTheSignInOffBanner() {
        given().redirects().follow(false).get("/").then().statusCode(303).header("Location", endsWith("/console"));
        for (String page : new String[] {"/console", "/console/sites", "/console/runs", "/console/runs/new", "/console/review",
                "/console/ledger", "/console/catalog", "/console/models", "/console/ledger?type=RUN_CREATED&site=nih-a&from=2026-01-01"}) {
            given().get(page).then().statusCode(200).body(containsString("Sign-in is off on this coordinator"));
        }
        given().get("/console/ledger?from=yesterday").then().statusCode(422)
                .body(containsString("<p class=\"error\" id=\"from-error\">Enter a date like 2026-12-01.</p>"));
    }

    @Test
    void aFormWithoutTheCsrfTokenIsRefusedAndBadInputComesBackEscapedNextToItsField() {
        Response form = given().get("/console/runs/new");
        String token = form.getCookie(CsrfTokens.COOKIE);
        assertNotNull(token, "the console sets its CSRF cookie");

        // no token, a wrong one, a token without its cookie: all refused
        given().formParam("name", "x").post("/console/runs").then().statusCode(403);
        given().cookie(CsrfTokens.COOKIE, token).formParam("_csrf", "A".repeat(43)).formParam("name", "x")
                .post("/console/runs").then().statusCode(403);
        given().formParam("_csrf", token).formParam("name", "x").post("/console/runs").then().statusCode(403);

        given().cookie(CsrfTokens.COOKIE, token).formParam("_csrf", token)
                .formParam("name", SCRIPT).formParam("model", "probe").formParam("rounds", "0").formParam("min_sites", "2")
                .formParam("fraction_fit", "1").formParam("join_timeout_s", "5").formParam("round_timeout_s", "5")
                .formParam("local_epochs", "1").formParam("learning_rate", "0.1").formParam("strategy", "fedavg")
                .formParam("params", SCRIPT)
                .post("/console/runs").then().statusCode(422)
                .body(containsString("<p class=\"error\" id=\"f-params-error\">Not valid JSON"))
                .body(containsString("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""))
                .body(not(containsString(SCRIPT)));
        // the service's own check, next to its field
        given().cookie(CsrfTokens.COOKIE, token).formParam("_csrf", token)
                .formParam("name", "ok").formParam("model", "probe").formParam("rounds", "0").formParam("min_sites", "2")
                .formParam("fraction_fit", "1").formParam("join_timeout_s", "5").formParam("round_timeout_s", "5")
                .formParam("local_epochs", "1").formParam("learning_rate", "0.1").formParam("strategy", "fedavg")
                .post("/console/runs").then().statusCode(422)
                .body(containsString("<p class=\"error\" id=\"f-rounds-error\">rounds must be between 1 and 100000, got 0</p>"));
    }
}
