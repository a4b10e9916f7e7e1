package org.synthray.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.tensor.Npz;
import org.synthray.tensor.Tensor;
import org.synthray.tensor.Weights;

/** The admin command line against the running coordinator's REST API. */
@QuarkusTest
class AdminCliTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = AdminCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "--url=http://127.0.0.1:" + port;
        System.arraycopy(args, 0, all, 1, args.length);
        return new Result(cl.execute(all), out.toString(), err.toString());
    }

    @Test
    void createWithAnInitialModelShowAndCancel(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, "{\"name\": \"cli-run\", \"rounds\": 2, \"strategy\": {\"name\": \"fedavg\"}}");
        Path model = dir.resolve("m.npz");
        Npz.write(Weights.of(Tensor.ofFloats("w", new int[] {2}, 1, 2)), model);

        Result created = run("runs", "create", spec.toString(), "--initial-model", model.toString());
        assertEquals(0, created.code(), created.err());
        String id = created.out().strip();
        assertTrue(id.startsWith("run-"), id);

        Result shown = run("runs", "show", id);
        assertTrue(shown.out().contains(id) && shown.out().contains("CREATED") && shown.out().contains("cli-run"), shown.out());
        assertTrue(run("runs", "list").out().contains(id));

        Result cancelled = run("runs", "cancel", id);
        assertTrue(cancelled.out().contains("CANCELLED"), cancelled.out());
        Result again = run("runs", "cancel", id);
        assertEquals(1, again.code());
        assertTrue(again.err().startsWith("error: run " + id + " has already ended (CANCELLED) (HTTP 409)"), again.err());

        Path back = dir.resolve("back.npz");
        String sha = run("models", "upload", model.toString()).out().strip();
        assertEquals(0, run("models", "download", sha, back.toString()).code());
        assertTrue(Npz.read(back).contentEquals(Npz.read(model)));
    }

    @Test
    void aModelFolderIsUploadedWithItsInfoAsProvenance(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("base"));
        Weights w = Weights.of(Tensor.ofFloats("w", new int[] {2}, 5, (float) (System.nanoTime() % 1000)));
        Npz.write(w, folder.resolve("weights.npz"));
        Files.writeString(folder.resolve("info.json"), "{\"config\": \"cli-base\", \"seed\": 7, \"data\": \"nih\"}");

        Result up = run("models", "upload", folder.toString());
        assertEquals(0, up.code(), up.err());
        assertEquals(w.modelId(), up.out().strip(), "the model's identity, not the file's hash");
        io.restassured.path.json.JsonPath info = io.restassured.RestAssured.given().get("/api/models/" + w.modelId() + "/info")
                .then().statusCode(200).extract().jsonPath();
        assertEquals("cli-base", info.getString("config"));
        assertEquals(7, info.getInt("provenance.seed"));
        assertEquals(w.sha256(), info.getString("blobSha256"), "kept as the canonical .npz of its weights");

        Result missing = run("models", "upload", dir.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("has no weights.npz"), missing.err());
    }

    @Test
    void connectionOptionsMayFollowTheSubcommand() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = AdminCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.execute("ledger", "verify", "--url", "http://127.0.0.1:" + port);
        assertTrue(out.toString().startsWith("ledger "), "the coordinator answered (ok or not): " + out + err);
        assertTrue(!err.toString().contains("Unknown option"), err.toString());
        // The same option after a nested subcommand reaches the same coordinator.
        assertEquals(0, AdminCli.newCommandLine().execute("runs", "list", "--url=http://127.0.0.1:" + port));
        assertEquals(1, AdminCli.newCommandLine().execute("runs", "list", "--url=http://127.0.0.1:1"),
                "the option after the subcommand is the one used");
    }

    @Test
    void errorsAreOneClearLine(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("bad.json");
        Files.writeString(spec, "{\"rounds\": 0}");
        Result r = run("runs", "create", spec.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: invalid run spec: rounds must be between 1 and 100000, got 0 (HTTP 400)"), r.err());
        assertTrue(run("runs", "create", dir.resolve("missing.json").toString()).err().contains("no spec file"));
        Result down = AdminCli.newCommandLine().execute("--url=http://127.0.0.1:1", "runs", "list") == 1
                ? new Result(1, "", "") : null;
        assertEquals(1, down.code(), "unreachable coordinator exits 1");
    }
}
