package org.synthray.coordinator.sets;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.blob.BlobClient;
import org.synthray.agent.publish.SetPublisher;
import org.synthray.agent.publish.TestSets;
import org.synthray.blob.BlobIntegrityException;
import org.synthray.blob.BlobRef;
import org.synthray.blob.Sha256;
import org.synthray.coordinator.blob.BlobStore;
import org.synthray.coordinator.ledger.EventType;
import org.synthray.coordinator.ledger.LedgerEvent;
import org.synthray.coordinator.ledger.LedgerService;
import org.synthray.manifest.ManifestEntry;
import org.synthray.manifest.SetDescription;
import org.synthray.proto.blob.BlobServiceGrpc;
import org.synthray.proto.blob.Chunk;
import org.synthray.proto.blob.StatRequest;
import org.synthray.proto.blob.StatResponse;
import org.synthray.proto.blob.UploadOpen;
import org.synthray.proto.blob.UploadRequest;
import org.synthray.proto.blob.UploadResponse;
import org.synthray.proto.sets.BeginSetRequest;
import org.synthray.proto.sets.BeginSetResponse;
import org.synthray.proto.sets.CommitSetRequest;
import org.synthray.proto.sets.SetFile;
import org.synthray.proto.sets.SetUploadServiceGrpc;
import org.synthray.testdata.TestData;

/**
 * Synthetic sets end to end on a real coordinator (PostgreSQL, gRPC, REST): a site agent publishes
 * set folders, an admin reviews and releases or rejects them, a researcher finds and downloads them
 * as ZIPs; and every kind of bad upload is refused with a reason.
 */
@QuarkusTest
class SyntheticSetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "quarkus.grpc.server.test-port")
    int grpcPort;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @Inject
    BlobStore store;

    @Inject
    LedgerService ledger;

    @TempDir
    Path dir;

    private final List<ManagedChannel> channels = new ArrayList<>();

    /**
     * Blobs outlive a test run (the store is a folder under target/): a site name of its own per run
     * makes every image new, so counts of files sent mean the same on every run.
     */
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private static final String BAD = "site-bad-" + RUN;

    @AfterEach
    void closeChannels() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    private ManagedChannel channel() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
        channels.add(c);
        return c;
    }

    private SetPublisher.Result publish(Path set, String site) throws IOException {
        ManagedChannel c = channel();
        BlobClient blobs = new BlobClient(BlobClient.Options.of("127.0.0.1", grpcPort, site).withChunkBytes(256 * 1024)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200), 20), () -> c, null);
        return new SetPublisher(c, site, blobs, null).publish(set);
    }

    private SetUploadServiceGrpc.SetUploadServiceBlockingStub sets(String site) {
        ManagedChannel c = channel();
        if (site == null) {
            return SetUploadServiceGrpc.newBlockingStub(c);
        }
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("synthray-site-id", Metadata.ASCII_STRING_MARSHALLER), site);
        return SetUploadServiceGrpc.newBlockingStub(ClientInterceptors.intercept(c, MetadataUtils.newAttachHeadersInterceptor(h)));
    }

    private static BeginSetRequest.Builder beginRequest(Path set, List<SetDescription.FileRef> files) throws IOException {
        BeginSetRequest.Builder b = BeginSetRequest.newBuilder()
                .setSetJson(Files.readString(set.resolve("upload/set.json")))
                .setManifestJsonl(Files.readString(set.resolve("upload/manifest.jsonl")));
        for (SetDescription.FileRef f : files) {
            b.addFiles(SetFile.newBuilder().setPath(f.path()).setSha256(f.sha256()).setSize(f.size()));
        }
        return b;
    }

    private static List<SetDescription.FileRef> listed(TestSets.Built b) {
        return SetDescription.files(b.manifest());
    }

    private static Status.Code code(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus().getCode();
    }

    /** A ledger event, its payload parsed. */
    record Event(String actor, EventType type, JsonNode payload) {
    }

    /** The committed ledger events of one set and type, oldest first. */
    private List<Event> events(EventType type, String setId) throws IOException {
        List<Event> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<LedgerEvent> page = ledger.list(after, 500);
            for (LedgerEvent e : page) {
                JsonNode p = JSON.readTree(e.payload());
                if (e.type().equals(type.name()) && setId.equals(p.path("set").asText())) {
                    out.add(new Event(e.actor(), type, p));
                }
                after = e.seq();
            }
            if (page.size() < 500) {
                return out;
            }
        }
    }

    private io.restassured.specification.RequestSpecification http() {
        return given().port(httpPort);
    }

    private JsonNode json(Response r) throws IOException {
        return JSON.readTree(r.asByteArray());
    }

    /** Entries of a ZIP: name → bytes. */
    /**
     * A download's manifest.csv, prov.json and datasheet.md describe the files the ZIP holds, in the
     * format downloaded ({@code folder}: images or dicom), and nothing the ZIP does not hold.
     */
    private static void assertDescribesTheFilesDelivered(Map<String, byte[]> zip, String id, String folder, int images)
            throws IOException {
        String other = folder.equals("images") ? "dicom" : "images";
        String[] rows = new String(zip.get(id + "/manifest.csv"), StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(images + 1, rows.length);
        assertFalse(rows[0].contains("png") || rows[0].contains("dicom"), "no columns of the other format: " + rows[0]);
        for (String row : List.of(rows).subList(1, rows.length)) {
            String[] f = row.split(",", 5);
            byte[] bytes = zip.get(id + "/" + f[1]);
            assertNotNull(bytes, "manifest.csv names " + f[1] + ", which the ZIP must hold");
            assertTrue(f[1].startsWith(folder + "/"), row);
            assertEquals(Sha256.of(bytes), f[2], row);
            assertEquals(bytes.length, Long.parseLong(f[3]), row);
        }
        JsonNode prov = JSON.readTree(zip.get(id + "/prov.json"));
        int described = 0;
        for (var it = prov.get("entity").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().path("prov:type").path("$").asText().equals("synthray:SyntheticImage")) {
                String file = e.getValue().get("synthray:file").asText();
                byte[] bytes = zip.get(id + "/" + file);
                assertNotNull(bytes, "prov.json names " + file + ", which the ZIP must hold");
                assertEquals("sha256:" + Sha256.of(bytes), e.getKey());
                described++;
            }
        }
        assertEquals(images, described);
        for (String section : List.of("entity", "activity", "agent")) {
            prov.path(section).forEach(r -> assertTrue(!r.has("prov:type") || r.get("prov:type").isObject()
                    && r.get("prov:type").path("type").asText().equals("prov:QUALIFIED_NAME"), "one form of prov:type: " + r));
        }
        String md = new String(zip.get(id + "/datasheet.md"), StandardCharsets.UTF_8);
        assertTrue(md.contains("`" + folder + "/`") && !md.contains("`" + other + "/`"), md);
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    // ----------------------------------------------------------------------------------- tests

    @Test
    void publishReviewReleaseAndDownloadAsPngAndDicom() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-rel-" + RUN, 5, true);
        SetPublisher.Result r = publish(b.dir(), "site-rel-" + RUN);
        String id = r.setId();
        assertEquals("uploaded", r.state());
        assertEquals(5, r.images());
        assertEquals(10, r.filesSent(), "5 PNG + 5 DICOM");
        assertEquals(b.manifest().head(), r.manifestHead());

        List<Event> uploaded = events(EventType.SET_UPLOADED, id);
        assertEquals(1, uploaded.size());
        assertEquals("site:site-rel-" + RUN, uploaded.get(0).actor());
        assertEquals(5, uploaded.get(0).payload().get("accepted").asInt());
        assertEquals(1, uploaded.get(0).payload().get("rejected").asInt());
        assertEquals(b.manifest().head(), uploaded.get(0).payload().get("manifestHead").asText());

        // Publishing again sends nothing and changes nothing.
        SetPublisher.Result again = publish(b.dir(), "site-rel-" + RUN);
        assertEquals(id, again.setId());
        assertEquals(0, again.filesSent());
        assertEquals(1, events(EventType.SET_UPLOADED, id).size());

        // Not released yet: researchers cannot see or download it.
        assertEquals(404, http().get("/api/released-sets/" + id + "/download").statusCode());
        assertEquals(404, http().get("/api/released-sets/" + id).statusCode());
        assertFalse(http().get("/api/released-sets").asString().contains(id));
        // ... and the refusal does not tell that it exists: it reads as for an id no set has.
        String unknown = "set-0000000000000000";
        for (String path : new String[] {"", "/download"}) {
            String unreleased = http().get("/api/released-sets/" + id + path).asString();
            String none = http().get("/api/released-sets/" + unknown + path).asString();
            assertEquals(none.replace(unknown, "ID"), unreleased.replace(id, "ID"));
            assertFalse(unreleased.contains("uploaded"), unreleased);
        }

        // Admin: datasheet, then review → release.
        JsonNode sheet = json(http().get("/api/sets/" + id + "/datasheet"));
        assertEquals("uploaded", sheet.get("set").get("state").asText());
        assertEquals(TestSets.MODEL, sheet.get("set").get("model").asText());
        assertEquals(41.5, sheet.get("evaluation").get("fid").asDouble());
        assertEquals(409, http().contentType("application/json").body("{}").post("/api/sets/" + id + "/release").statusCode(),
                "release needs a review first");
        http().contentType("application/json").header("X-SynthRay-User", "alice").body("{\"reason\":\"looks fine\"}")
                .post("/api/sets/" + id + "/review").then().statusCode(200);
        JsonNode released = json(http().contentType("application/json").header("X-SynthRay-User", "alice")
                .body("{\"reason\":\"guard statistics reviewed\",\"licence\":\"CC-BY-4.0\"}")
                .post("/api/sets/" + id + "/release"));
        assertEquals("released", released.get("state").asText());
        assertEquals("admin:alice", released.get("decidedBy").asText());
        assertEquals(1, events(EventType.SET_IN_REVIEW, id).size());
        assertEquals("admin:alice", events(EventType.SET_RELEASED, id).get(0).actor());
        assertEquals(409, http().contentType("application/json").body("{\"reason\":\"x\"}")
                .post("/api/sets/" + id + "/reject").statusCode(), "a released set cannot be rejected");

        // Researcher: filters.
        String today = LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertTrue(http().queryParam("finding", "EFFUSION").get("/api/released-sets").asString().contains(id));
        assertFalse(http().queryParam("q", "pneumothorax").get("/api/released-sets").asString().contains(id));
        assertTrue(http().queryParam("site", "site-rel-" + RUN).get("/api/released-sets").asString().contains(id));
        assertFalse(http().queryParam("site", "site-zzz").get("/api/released-sets").asString().contains(id));
        assertTrue(http().queryParam("model", TestSets.MODEL.substring(0, 10)).get("/api/released-sets").asString().contains(id));
        assertTrue(http().queryParam("from", today).queryParam("to", today).get("/api/released-sets").asString().contains(id));
        assertFalse(http().queryParam("to", "2000-01-01").get("/api/released-sets").asString().contains(id));
        assertEquals(400, http().queryParam("from", "yesterday").get("/api/released-sets").statusCode());

        // Download PNG: every image byte for byte, plus manifest.csv, datasheet.md, prov.json.
        Response png = http().header("X-SynthRay-User", "bob").queryParam("format", "png")
                .get("/api/released-sets/" + id + "/download");
        assertEquals(200, png.statusCode());
        assertEquals("application/zip", png.contentType());
        Map<String, byte[]> zip = unzip(png.asByteArray());
        for (ManifestEntry e : b.entries()) {
            assertArrayEquals(Files.readAllBytes(b.upload().resolve(e.file())), zip.get(id + "/" + e.file()), e.file());
            assertFalse(zip.containsKey(id + "/" + e.dicom()));
        }
        String csv = new String(zip.get(id + "/manifest.csv"), StandardCharsets.UTF_8);
        String[] rows = csv.strip().split("\n");
        assertEquals(6, rows.length);
        assertTrue(rows[0].startsWith("seq,file,sha256,size,prompt"));
        assertTrue(rows[1].startsWith("0,images/000000.png," + b.entries().get(0).sha256()), rows[1]);
        String md = new String(zip.get(id + "/datasheet.md"), StandardCharsets.UTF_8);
        assertTrue(md.contains(TestSets.MODEL) && md.contains("CC-BY-4.0") && md.contains("Small left pleural effusion.")
                && md.contains("5 of 6 generated images accepted") && md.contains("fid") && md.contains("Intended use"), md);
        assertArrayEquals(Files.readAllBytes(b.upload().resolve("manifest.jsonl")), zip.get(id + "/manifest.jsonl"));
        JsonNode prov = JSON.readTree(zip.get(id + "/prov.json"));
        assertTrue(prov.get("entity").has("set:" + id));
        assertTrue(prov.get("entity").has(org.synthray.coordinator.provenance.ProvenanceService.modelId(TestSets.MODEL)));
        assertTrue(prov.get("entity").has("sha256:" + b.entries().get(3).sha256()));
        assertTrue(prov.get("activity").has("synthray:release-" + id));
        assertTrue(prov.get("agent").has("user:admin:alice"));
        assertEquals("prov:Person", prov.get("agent").get("user:admin:alice").get("prov:type").get("$").asText());
        assertDescribesTheFilesDelivered(zip, id, "images", b.entries().size());
        List<Event> downloads = events(EventType.SET_DOWNLOADED, id);
        assertEquals(1, downloads.size());
        assertEquals("researcher:bob", downloads.get(0).actor());
        assertEquals("png", downloads.get(0).payload().get("format").asText());

        // DICOM.
        Map<String, byte[]> dcm = unzip(http().queryParam("format", "dicom").get("/api/released-sets/" + id + "/download").asByteArray());
        for (ManifestEntry e : b.entries()) {
            byte[] bytes = dcm.get(id + "/" + e.dicom());
            assertNotNull(bytes, e.dicom());
            assertEquals(e.dicomSha256(), Sha256.of(bytes));
            assertFalse(dcm.containsKey(id + "/" + e.file()));
        }
        assertTrue(new String(dcm.get(id + "/manifest.csv"), StandardCharsets.UTF_8).contains("\n0,dicom/000000.dcm,"));
        assertDescribesTheFilesDelivered(dcm, id, "dicom", b.entries().size());
        assertEquals(2, events(EventType.SET_DOWNLOADED, id).size());
        assertTrue(ledger.verify().ok(), "the ledger's chain verifies with the set events in it");
        assertEquals(400, http().queryParam("format", "jpeg").get("/api/released-sets/" + id + "/download").statusCode());
        assertEquals(404, http().get("/api/released-sets/set-0000000000000000/download").statusCode());
    }

    @Test
    void rejectionNeedsAReasonAndARejectedSetCannotBeDownloaded() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-rej", 3, false);
        String id = publish(b.dir(), "site-rej").setId();
        assertEquals(400, http().contentType("application/json").body("{}").post("/api/sets/" + id + "/reject").statusCode());
        JsonNode rejected = json(http().contentType("application/json").body("{\"reason\":\"images too similar\"}")
                .post("/api/sets/" + id + "/reject"));
        assertEquals("rejected", rejected.get("state").asText());
        assertEquals("images too similar", rejected.get("decisionReason").asText());
        assertEquals("images too similar", events(EventType.SET_REJECTED, id).get(0).payload().get("reason").asText());
        assertEquals(404, http().get("/api/released-sets/" + id + "/download").statusCode());
        assertTrue(http().queryParam("state", "rejected").get("/api/sets").asString().contains(id));
        assertEquals(409, http().contentType("application/json").body("{}").post("/api/sets/" + id + "/review").statusCode());
        http().contentType("application/json").body("{}").post("/api/sets/nope/review").then().statusCode(404);
    }

    @Test
    void aTruncatedUploadResumesAndThePartialSetIsNeverReleased() throws Exception {
        // Images large enough to take several 256 KiB chunks.
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-cut-" + RUN, 3, false, 700, e -> e, j -> j);
        List<SetDescription.FileRef> files = listed(b);
        assertTrue(files.get(0).size() > 300_000, "image of " + files.get(0).size() + " bytes");
        BeginSetResponse begun = sets("site-cut-" + RUN).begin(beginRequest(b.dir(), files).build());
        assertEquals("uploading", begun.getState());
        assertEquals(3, begun.getMissingCount());
        String id = begun.getSetId();

        // The stream of the first image stops after one chunk.
        SetDescription.FileRef first = files.get(0);
        byte[] bytes = Files.readAllBytes(b.upload().resolve(first.path()));
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamObserver<UploadRequest> up = BlobServiceGrpc.newStub(channel()).upload(new StreamObserver<>() {
            public void onNext(UploadResponse v) {
                events.add(v);
            }

            public void onError(Throwable t) {
                events.add(t);
            }

            public void onCompleted() {
                events.add("done");
            }
        });
        up.onNext(UploadRequest.newBuilder().setOpen(UploadOpen.newBuilder().setSha256(first.sha256()).setSize(first.size())).build());
        up.onNext(UploadRequest.newBuilder().setChunk(Chunk.newBuilder().setOffset(0)
                .setData(ByteString.copyFrom(bytes, 0, 256 * 1024))).build());
        up.onCompleted();
        Object last;
        do {
            last = events.poll(30, TimeUnit.SECONDS);
        } while (last instanceof UploadResponse);
        assertEquals("done", last);
        StatResponse stat = BlobServiceGrpc.newBlockingStub(channel()).stat(StatRequest.newBuilder().setSha256(first.sha256()).build());
        assertEquals(StatResponse.State.PARTIAL, stat.getState());
        assertEquals(256 * 1024, stat.getConfirmedOffset());

        StatusRuntimeException incomplete = assertThrows(StatusRuntimeException.class,
                () -> sets("site-cut-" + RUN).commit(CommitSetRequest.newBuilder().setSetId(id).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, incomplete.getStatus().getCode());
        assertTrue(incomplete.getStatus().getDescription().contains("3 listed file(s) not uploaded yet"),
                incomplete.getStatus().getDescription());
        assertEquals("uploading", json(http().get("/api/sets/" + id)).get("state").asText());
        assertEquals(409, http().contentType("application/json").body("{}").post("/api/sets/" + id + "/review").statusCode());
        assertEquals(404, http().get("/api/released-sets/" + id + "/download").statusCode());
        assertTrue(events(EventType.SET_UPLOADED, id).isEmpty());

        // publish resumes: same set, the cut image continues after its confirmed bytes.
        SetPublisher.Result r = publish(b.dir(), "site-cut-" + RUN);
        assertEquals(id, r.setId());
        assertEquals("uploaded", r.state());
        assertEquals(3, r.filesSent());
        long total = files.stream().mapToLong(SetDescription.FileRef::size).sum();
        assertEquals(total - 256 * 1024, r.bytesSent(), "the confirmed chunk is not sent again");
        try (var in = store.open(first.sha256(), 0)) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
    }

    @Test
    void badUploadsAreRefusedWithAReason() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), BAD, 3, false);
        List<SetDescription.FileRef> files = listed(b);

        // No site id, or set.json of another site.
        StatusRuntimeException anon = assertThrows(StatusRuntimeException.class,
                () -> sets(null).begin(beginRequest(b.dir(), files).build()));
        assertEquals(Status.Code.UNAUTHENTICATED, anon.getStatus().getCode());
        StatusRuntimeException other = assertThrows(StatusRuntimeException.class,
                () -> sets("site-other").begin(beginRequest(b.dir(), files).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, other.getStatus().getCode());
        assertTrue(other.getStatus().getDescription().contains("set.json names site " + BAD));

        // An image the manifest does not list (a real training image, declared by a modified client).
        byte[] raw = Files.readAllBytes(TestData.nih().resolve("images/00000001_000.png"));
        List<SetDescription.FileRef> withRaw = new ArrayList<>(files);
        withRaw.add(new SetDescription.FileRef("images/000099.png", Sha256.of(raw), raw.length));
        String unlisted = assertThrows(StatusRuntimeException.class,
                () -> sets(BAD).begin(beginRequest(b.dir(), withRaw).build())).getStatus().getDescription();
        assertTrue(unlisted.contains("images/000099.png is not listed in the manifest"), unlisted);

        // A file declared with another hash than the manifest's, one sent twice, one missing.
        List<SetDescription.FileRef> wrong = new ArrayList<>(files);
        SetDescription.FileRef f0 = wrong.get(0);
        wrong.set(0, new SetDescription.FileRef(f0.path(), Sha256.of(raw), f0.size()));
        assertTrue(assertThrows(StatusRuntimeException.class, () -> sets(BAD).begin(beginRequest(b.dir(), wrong).build()))
                .getStatus().getDescription().contains("does not match the manifest"));
        List<SetDescription.FileRef> twice = new ArrayList<>(files);
        twice.add(files.get(1));
        assertTrue(assertThrows(StatusRuntimeException.class, () -> sets(BAD).begin(beginRequest(b.dir(), twice).build()))
                .getStatus().getDescription().contains("is sent twice"));
        assertTrue(assertThrows(StatusRuntimeException.class,
                () -> sets(BAD).begin(beginRequest(b.dir(), files.subList(0, 2)).build()))
                .getStatus().getDescription().contains("the manifest lists images/000002.png but it is not sent"));

        // Bytes that do not hash to the name they are sent under: the blob service refuses them.
        BlobClient blobs = new BlobClient(BlobClient.Options.of("127.0.0.1", grpcPort, BAD), this::channel, null);
        Path fake = dir.resolve("fake.png");
        Files.write(fake, raw);
        assertThrows(BlobIntegrityException.class, () -> blobs.upload(
                org.synthray.agent.blob.BlobSource.of(fake, new BlobRef(f0.sha256(), raw.length))));
        assertFalse(store.exists(f0.sha256()));

        // A manifest that lists a guard-rejected image (chain intact).
        List<ManifestEntry> entries = new ArrayList<>(b.entries());
        ManifestEntry e1 = entries.get(1);
        entries.set(1, new ManifestEntry(e1.seq(), e1.file(), e1.sha256(), e1.size(), null, null, 0, e1.prompt(), e1.seed(),
                e1.sampler(), e1.steps(), e1.guidance(), e1.model(), new ManifestEntry.GuardVerdict(false, 0.9, 0.5, 0.99, 0.9)));
        String withRejected = TestSets.chain(entries);
        String desc = assertThrows(StatusRuntimeException.class, () -> sets(BAD).begin(beginRequest(b.dir(), files)
                .setManifestJsonl(withRejected).build())).getStatus().getDescription();
        assertTrue(desc.contains("manifest line 2: images/000001.png was rejected by the guard"), desc);

        // A duplicate image: two entries with the same content.
        List<ManifestEntry> dup = new ArrayList<>(b.entries());
        ManifestEntry e0 = dup.get(0);
        ManifestEntry e2 = dup.get(2);
        dup.set(2, new ManifestEntry(e2.seq(), e2.file(), e0.sha256(), e0.size(), null, null, 0, e2.prompt(), e2.seed(),
                e2.sampler(), e2.steps(), e2.guidance(), e2.model(), e2.guard()));
        String dupText = TestSets.chain(dup);
        String setJson = Files.readString(b.upload().resolve("set.json"))
                .replace(b.manifest().head(), headOf(dupText));
        List<SetDescription.FileRef> dupFiles = List.of(files.get(0), files.get(1),
                new SetDescription.FileRef(e2.file(), e0.sha256(), e0.size()));
        BeginSetRequest.Builder dupReq = beginRequest(b.dir(), dupFiles).setManifestJsonl(dupText).setSetJson(setJson);
        String dupDesc = assertThrows(StatusRuntimeException.class, () -> sets(BAD).begin(dupReq.build()))
                .getStatus().getDescription();
        assertTrue(dupDesc.contains("duplicate image: images/000002.png has the same content as images/000000.png"), dupDesc);

        // set.json that does not match the manifest; a broken chain.
        String badCount = Files.readString(b.upload().resolve("set.json")).replace("\"count\":3", "\"count\":4");
        assertTrue(assertThrows(StatusRuntimeException.class, () -> sets(BAD).begin(beginRequest(b.dir(), files)
                .setSetJson(badCount).build())).getStatus().getDescription().contains("set.json count 4 but the manifest lists 3"));
        String tampered = Files.readString(b.upload().resolve("manifest.jsonl")).replace("\"seed\":", "\"seed\":1");
        BeginSetRequest tamperedReq = beginRequest(b.dir(), files).setManifestJsonl(tampered).build();
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> sets(BAD).begin(tamperedReq)));

        // None of these left a set behind.
        assertFalse(http().get("/api/sets").asString().contains(BAD));
        // Commit of an unknown set, or of another site's set.
        assertEquals(Status.Code.NOT_FOUND, code(() -> sets(BAD).commit(CommitSetRequest.newBuilder().setSetId("set-x").build())));
        String id = publish(b.dir(), BAD).setId();
        assertEquals(Status.Code.NOT_FOUND, code(() -> sets("site-other").commit(CommitSetRequest.newBuilder().setSetId(id).build())));
    }

    private static String headOf(String manifestText) {
        String[] lines = manifestText.strip().split("\n");
        try {
            return JSON.readTree(lines[lines.length - 1]).get("hash").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void adminAndResearcherCommandLine() throws Exception {
        TestSets.Built b = TestSets.build(dir.resolve("set"), "site-cli", 2, true);
        // The site operator's command: --check sends nothing, then publish.
        var agent = org.synthray.agent.cli.SiteAgentCli.newCommandLine();
        String coordinator = "127.0.0.1:" + grpcPort;
        assertEquals(0, agent.execute("publish", b.dir().toString(), "--coordinator", coordinator, "--site-id", "site-cli",
                "--check"));
        assertFalse(http().get("/api/sets").asString().contains("\"site\":\"site-cli\""), "--check sends nothing");
        assertEquals(0, org.synthray.agent.cli.SiteAgentCli.newCommandLine().execute("publish", b.dir().toString(),
                "--coordinator", coordinator, "--site-id", "site-cli"));
        assertEquals(1, org.synthray.agent.cli.SiteAgentCli.newCommandLine().execute("publish", b.dir().toString(),
                "--coordinator", coordinator, "--site-id", "site-other"), "a set of another site is refused");
        String id = SetIntakeService.setId("site-cli", b.manifest().head());
        assertEquals("uploaded", json(http().get("/api/sets/" + id)).get("state").asText());
        String list = cli("sets", "list");
        assertTrue(list.contains(id) && list.contains("uploaded") && list.contains("site-cli"), list);
        assertTrue(cli("sets", "show", id).contains("# Datasheet: synthetic set " + id));
        assertTrue(cli("--user=carol", "sets", "review", id, "--reason", "checking").contains("in_review"));
        assertTrue(cli("--user=carol", "sets", "release", id, "--reason", "ok", "--licence", "CC0-1.0").contains("released"));
        assertTrue(cli("sets", "list", "--released", "--finding", "effusion").contains(id));
        Path zip = dir.resolve("out/set.zip");
        assertTrue(cli("--user=dave", "sets", "download", id, zip.toString(), "--format", "dicom").contains("MB"));
        Map<String, byte[]> entries = unzip(Files.readAllBytes(zip));
        assertTrue(entries.containsKey(id + "/dicom/000001.dcm"));
        assertTrue(new String(entries.get(id + "/datasheet.md"), StandardCharsets.UTF_8).contains("CC0-1.0"));
        assertEquals("researcher:dave", events(EventType.SET_DOWNLOADED, id).get(0).actor());

        TestSets.Built c = TestSets.build(dir.resolve("set2"), "site-cli2", 1, false);
        String other = publish(c.dir(), "site-cli2").setId();
        StringWriter err = new StringWriter();
        var cl = org.synthray.coordinator.cli.AdminCliAccess.newCommandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(1, cl.execute("--url=http://127.0.0.1:" + httpPort, "sets", "download", other, dir.resolve("x.zip").toString()));
        assertTrue(err.toString().contains("no released synthetic set " + other + " (HTTP 404)"), err.toString());
        assertFalse(Files.exists(dir.resolve("x.zip")));
    }

    private String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = org.synthray.coordinator.cli.AdminCliAccess.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "--url=http://127.0.0.1:" + httpPort;
        System.arraycopy(args, 0, all, 1, args.length);
        assertEquals(0, cl.execute(all), err.toString());
        return out.toString();
    }
}
