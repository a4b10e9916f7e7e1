package org.synthray.coordinator.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.flower.ArithmeticTrainer;
import org.synthray.agent.flower.FlowerClient;
import org.synthray.agent.flower.FlowerConnection;
import org.synthray.agent.flower.LocalTrainer;
import org.synthray.auth.BearerCallCredentials;
import org.synthray.coordinator.flower.ClientProxy;
import org.synthray.coordinator.flower.ClientRegistry;
import org.synthray.flower.proto.ClientMessage;
import org.synthray.flower.proto.FlowerServiceGrpc;
import org.synthray.flower.proto.ServerMessage;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.StatRequest;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/**
 * gRPC with authentication on, against the real Keycloak: Flower's Join and SynthRay's blob service
 * refuse calls without a valid site token, a site cannot act as another, pending and revoked sites
 * are refused (a revoked site's open stream is closed mid-run), and approved sites complete a run
 * attributed to the sites their tokens name.
 */
@QuarkusTest
@TestProfile(AuthProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcAuthTest {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> SITE_ID = Metadata.Key.of("synthray-site-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final String ABSENT = "ab".repeat(32);

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int port;

    @Inject
    ClientRegistry registry;

    @Inject
    LedgerProbe ledger;

    private ManagedChannel channel;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    void open() {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** nih-a and nih-b are approved sites (REST is reachable from the first test on). */
    @org.junit.jupiter.api.BeforeEach
    void approveSites() {
        String admin = Tokens.of(Tokens.ADMIN);
        for (String site : List.of("nih-a", "nih-b")) {
            given().header("Authorization", "Bearer " + admin).post("/api/sites/" + site + "/approve").then().statusCode(200);
        }
    }

    @AfterAll
    void close() throws InterruptedException {
        pool.shutdownNow();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static Metadata headers(String token, String site) {
        Metadata h = new Metadata();
        if (token != null) {
            h.put(AUTHORIZATION, "Bearer " + token);
        }
        if (site != null) {
            h.put(SITE_ID, site);
        }
        return h;
    }

    /** The status a blob Stat call ends with. */
    private Status stat(String token, String site, String sha) {
        try {
            BlobServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token, site)))
                    .withDeadlineAfter(60, TimeUnit.SECONDS).stat(StatRequest.newBuilder().setSha256(sha).build());
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** The status a Join stream is refused with (null if it was accepted and stayed open). */
    private Status join(String token, String site) throws Exception {
        CompletableFuture<Status> end = new CompletableFuture<>();
        StreamObserver<ClientMessage> out = FlowerServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(token, site)))
                .join(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerMessage value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        end.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(Status.OK);
                    }
                });
        try {
            return end.get(60, TimeUnit.SECONDS);
        } finally {
            out.onCompleted();
        }
    }

    private static String sitesJson() {
        return given().header("Authorization", "Bearer " + Tokens.of(Tokens.ADMIN)).get("/api/sites").asString();
    }

    @Test
    void callsWithoutAValidSiteTokenAreUnauthenticated() throws Exception {
        String sitesBefore = sitesJson();
        long seq = ledger.head();
        for (String bad : new String[] {null, "not-a-jwt", Tokens.expired(), Tokens.fromOtherRealm(),
                Tokens.forged("nih-a", Roles.SITE), Tokens.of("synthray-no-audience")}) {
            assertEquals(Status.Code.UNAUTHENTICATED, stat(bad, null, ABSENT).getCode());
            assertEquals(Status.Code.UNAUTHENTICATED, join(bad, null).getCode());
        }
        assertEquals(sitesBefore, sitesJson(), "no site was enrolled by refused calls");
        assertEquals(List.of(), ledger.ofType(seq, "ACCESS_REFUSED"), "unauthenticated calls are not recorded");
        assertEquals(List.of(), ledger.ofType(seq, "SITE_ENROLLED"));
    }

    @Test
    void malformedBearerTokensAreUnauthenticatedWithoutAskingKeycloak() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            for (String bad : Tokens.MALFORMED) {
                Status s = stat(bad, null, ABSENT);
                assertEquals(Status.Code.UNAUTHENTICATED, s.getCode(), bad + ": " + s);
                assertEquals(Status.Code.UNAUTHENTICATED, join(bad, null).getCode(), bad);
            }
            assertEquals(List.of(), logs.introspectionsStarted());
            assertEquals(List.of(), logs.errors());
        }
    }

    @Test
    void tokensWithoutRoleSiteArePermissionDenied() throws Exception {
        long seq = ledger.head();
        for (String client : new String[] {Tokens.ADMIN, Tokens.RESEARCHER}) {
            Status s = stat(Tokens.of(client), null, ABSENT);
            assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
            assertEquals(Status.Code.PERMISSION_DENIED, join(Tokens.of(client), null).getCode());
        }
        var refused = ledger.ofType(seq, "ACCESS_REFUSED");
        assertEquals(4, LedgerProbe.refusedCalls(refused), refused.toString());
        assertTrue(refused.stream().allMatch(e -> e.payload().contains("the token lacks role site")), refused.toString());
        assertEquals(List.of(), ledger.ofType(seq, "SITE_ENROLLED"));
    }

    @Test
    void anUnknownSiteIsEnrolledAsPendingAndRefusedUntilApproved() throws Exception {
        long seq = ledger.head();
        String charite = Tokens.of("charite");
        Status s = join(charite, "charite");
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        assertTrue(s.getDescription().contains("pending"), s.getDescription());
        assertEquals(Status.Code.PERMISSION_DENIED, stat(charite, null, ABSENT).getCode());
        given().header("Authorization", "Bearer " + Tokens.of(Tokens.ADMIN)).get("/api/sites")
                .then().statusCode(200).body("find { it.id == 'charite' }.status", equalTo("PENDING"))
                .body("find { it.id == 'charite' }.firstSubject", equalTo(Tokens.claims(charite).path("sub").asText()));
        assertTrue(registry.connected().stream().noneMatch(c -> "charite".equals(c.siteId())));
        var byCharite = ledger.by(seq, "site:charite");
        assertEquals(List.of("SITE_ENROLLED", "ACCESS_REFUSED"), byCharite.stream().map(e -> e.type()).toList());
        assertEquals(2, LedgerProbe.refusedCalls(byCharite), byCharite.toString());
    }

    @Test
    void aSiteCannotActAsAnother(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        long seq = ledger.head();
        String nihA = Tokens.of("nih-a");
        Status s = join(nihA, "nih-b");
        assertEquals(Status.Code.PERMISSION_DENIED, s.getCode());
        assertTrue(s.getDescription().contains("cannot act as site nih-b"), s.getDescription());
        assertEquals(Status.Code.PERMISSION_DENIED, stat(nihA, "nih-b", ABSENT).getCode());

        // An upload as nih-b with nih-a's token is refused and stores nothing.
        Path file = tmp.resolve("update.bin");
        Files.write(file, new byte[100_000]);
        BlobClient.BlobTransferException e;
        try (BlobClient asB = new BlobClient(BlobClient.Options.of("127.0.0.1", port, "nih-b"), null, null,
                new BearerCallCredentials(Tokens.source("nih-a")))) {
            e = assertThrows(BlobClient.BlobTransferException.class, () -> asB.upload(file));
        }
        assertEquals(Status.Code.PERMISSION_DENIED, e.code(), e.getMessage());
        java.security.MessageDigest md = org.synthray.blob.Sha256.newDigest();
        md.update(Files.readAllBytes(file));
        String sha = org.synthray.blob.Sha256.hex(md);
        org.synthray.proto.blob.StatResponse st = BlobServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(nihA, null)))
                .stat(StatRequest.newBuilder().setSha256(sha).build());
        assertEquals(0, st.getConfirmedOffset(), "nothing of the refused upload was kept");
        // Recorded against nih-a, the site that tried; nothing is attributed to nih-b.
        var byA = ledger.by(seq, "site:nih-a");
        assertTrue(LedgerProbe.refusedCalls(byA) >= 3 && byA.stream().allMatch(ev -> ev.type().equals("ACCESS_REFUSED")
                && ev.payload().contains("cannot act as site nih-b")), byA.toString());
        assertEquals(List.of(), ledger.by(seq, "site:nih-b"));
    }

    /**
     * A set's whole way with authentication on: each step is recorded against the caller its token
     * names — the upload (gRPC SetUpload and blobs) by the site, the review and release by the admin,
     * the download by the researcher.
     */
    @Test
    void eachStepOfASetIsAttributedToTheCallerItsTokenNames(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        long seq = ledger.head();
        org.synthray.agent.publish.TestSets.Built set = org.synthray.agent.publish.TestSets.build(tmp, "nih-a", 2, false);
        BearerCallCredentials creds = new BearerCallCredentials(Tokens.source("nih-a"));
        String id;
        try (BlobClient blobs = new BlobClient(BlobClient.Options.of("127.0.0.1", port, "nih-a"), null, null, creds)) {
            id = new org.synthray.agent.publish.SetPublisher(
                    org.synthray.agent.grpc.CoordinatorChannels.withCredentials(channel, creds), "nih-a", blobs, null)
                    .publish(set.dir()).setId();
        }
        String admin = "Bearer " + Tokens.of(Tokens.ADMIN);
        given().header("Authorization", admin).header("X-SynthRay-User", "mallory").contentType(ContentType.JSON).body("{}")
                .post("/api/sets/" + id + "/review").then().statusCode(200);
        given().header("Authorization", admin).contentType(ContentType.JSON).body("{\"reason\": \"fine\"}")
                .post("/api/sets/" + id + "/release").then().statusCode(200);
        given().header("Authorization", "Bearer " + Tokens.of(Tokens.RESEARCHER)).get("/api/released-sets/" + id + "/download")
                .then().statusCode(200);
        Map<String, String> actors = new java.util.LinkedHashMap<>();
        for (var e : ledger.since(seq)) {
            if (e.type().startsWith("SET_") && e.payload().contains(id)) {
                actors.put(e.type(), e.actor());
            }
        }
        assertEquals(Map.of("SET_UPLOADED", "site:nih-a",
                "SET_IN_REVIEW", "admin:service-account-synthray-admin-cli",
                "SET_RELEASED", "admin:service-account-synthray-admin-cli",
                "SET_DOWNLOADED", "researcher:service-account-synthray-researcher-cli"), actors);
    }

    static Weights model() {
        return Weights.of(Tensor.ofFloats("w", new int[] {2, 2}, 1, 2, 3, 4), Tensor.ofFloats("b", new int[] {2}, 0.5f, -0.5f));
    }

    private String createRun(int rounds, int minSites) throws Exception {
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        Npz.write(model(), npz);
        String admin = Tokens.of(Tokens.ADMIN);
        String sha = given().header("Authorization", "Bearer " + admin).contentType("application/octet-stream")
                .body(npz.toByteArray()).post("/api/models").then().statusCode(201).extract().path("sha256");
        String spec = """
                {"name": "authenticated", "model": "probe", "initial_model": "%s", "rounds": %d,
                 "strategy": {"name": "fedavg"}, "min_sites": %d, "round_timeout_s": 60}
                """.formatted(sha, rounds, minSites);
        return given().header("Authorization", "Bearer " + admin).contentType(ContentType.JSON).body(spec).post("/api/runs")
                .then().statusCode(201).extract().path("id");
    }

    private Future<FlowerConnection.Outcome> agent(String client, String announcedSite, String run, LocalTrainer trainer, int attempts) {
        FlowerConnection c = new FlowerConnection(new FlowerClient(trainer),
                FlowerConnection.Options.of("127.0.0.1", port, announcedSite).withRun(run)
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), attempts)
                        .withSecurity(new BearerCallCredentials(Tokens.source(client)), null));
        return pool.submit(c::run);
    }

    private static JsonPath run(String id) {
        return given().header("Authorization", "Bearer " + Tokens.of(Tokens.ADMIN)).get("/api/runs/" + id)
                .then().statusCode(200).extract().jsonPath();
    }

    @Test
    void approvedSitesCompleteARunAttributedToTheirTokens() throws Exception {
        long seq = ledger.head();
        String id = createRun(2, 2);
        // nih-a announces no site id at all: the coordinator takes it from the token.
        Future<FlowerConnection.Outcome> a = agent("nih-a", null, id, new ArithmeticTrainer(model(), 1.0, 1.0, 30), 100);
        Future<FlowerConnection.Outcome> b = agent("nih-b", "nih-b", id, new ArithmeticTrainer(model(), 1.0, -1.0, 10), 100);
        given().header("Authorization", "Bearer " + Tokens.of(Tokens.ADMIN)).post("/api/runs/" + id + "/start").then().statusCode(200);
        a.get(120, TimeUnit.SECONDS);
        b.get(120, TimeUnit.SECONDS);
        JsonPath done = run(id);
        assertEquals("COMPLETED", done.getString("run.state"));
        assertEquals(2, done.getInt("run.lastCompletedRound"));
        JsonPath round = given().header("Authorization", "Bearer " + Tokens.of(Tokens.ADMIN)).get("/api/runs/" + id + "/rounds/1")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("nih-a", "nih-b"), round.getList("updates.site", String.class).stream().sorted().toList());
        for (String site : List.of("nih-a", "nih-b")) {
            assertEquals(2, ledger.by(seq, "site:" + site).stream().filter(e -> e.type().equals("UPDATE_ACCEPTED")).count(), site);
        }
    }

    /** Trains only when released, so the test can revoke its site while it trains. */
    static final class HeldTrainer implements LocalTrainer {
        final ArithmeticTrainer inner = new ArithmeticTrainer(model(), 1.0, 1.0, 20);
        final CountDownLatch training = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Weights initialWeights() {
            return inner.initialWeights();
        }

        @Override
        public FitResult fit(Weights global, Map<String, org.synthray.flower.proto.Scalar> config) throws Exception {
            training.countDown();
            release.await();
            return inner.fit(global, config);
        }

        @Override
        public EvaluateResult evaluate(Weights global, Map<String, org.synthray.flower.proto.Scalar> config) throws Exception {
            return inner.evaluate(global, config);
        }
    }

    @Test
    void aSiteRevokedMidRunLosesItsStreamAndIsRefusedFromThenOn() throws Exception {
        long seq = ledger.head();
        String admin = Tokens.of(Tokens.ADMIN);
        given().header("Authorization", "Bearer " + admin).post("/api/sites/hannover/approve").then().statusCode(200);
        String id = createRun(2, 1);
        HeldTrainer trainer = new HeldTrainer();
        Future<FlowerConnection.Outcome> agent = agent("hannover", "hannover", id, trainer, 100);
        given().header("Authorization", "Bearer " + admin).post("/api/runs/" + id + "/start").then().statusCode(200);
        assertTrue(trainer.training.await(120, TimeUnit.SECONDS), "hannover got its first FitIns");

        given().header("Authorization", "Bearer " + admin).contentType(ContentType.JSON).body("{\"reason\": \"test\"}")
                .post("/api/sites/hannover/revoke").then().statusCode(200).body("status", equalTo("REVOKED"));
        assertTrue(registry.connected().stream().map(ClientProxy::siteId).noneMatch("hannover"::equals),
                "its Join stream is closed at once");
        trainer.release.countDown();

        ExecutionException e = assertThrows(ExecutionException.class, () -> agent.get(120, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof FlowerConnection.ConnectionFailedException, e.toString());
        assertTrue(e.getCause().getMessage().contains("PERMISSION_DENIED"), e.getCause().getMessage());
        Status again = stat(Tokens.of("hannover"), null, ABSENT);
        assertEquals(Status.Code.PERMISSION_DENIED, again.getCode());
        assertTrue(again.getDescription().contains("revoked"), again.getDescription());

        // No update of the revoked site counted: no round completed, no model version came of it.
        JsonPath r = run(id);
        assertEquals(0, r.getInt("run.lastCompletedRound"));
        given().header("Authorization", "Bearer " + admin).post("/api/runs/" + id + "/cancel").then().statusCode(200);
        assertEquals(List.of(), ledger.by(seq, "site:hannover").stream().filter(ev -> ev.type().equals("UPDATE_ACCEPTED")).toList());
        assertTrue(ledger.by(seq, "site:hannover").stream().anyMatch(ev -> ev.type().equals("ACCESS_REFUSED")
                && ev.payload().contains("is revoked")));
        assertEquals(1, ledger.ofType(seq, "SITE_REVOKED").size());
    }
}
