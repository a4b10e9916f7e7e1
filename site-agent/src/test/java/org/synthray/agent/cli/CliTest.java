package org.synthray.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.agent.TestData;
import org.synthray.agent.diffusion.Checkpoint;
import picocli.CommandLine;

class CliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = SiteAgentCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void trainGenerateEvaluateOnRealImages(@TempDir Path dir) throws Exception {
        String nih = TestData.nih().toString();
        Path model = dir.resolve("model");
        Run t = run("train", "--data", nih, "--config", "tiny", "--steps", "4", "--batch", "8", "--out", model.toString(),
                "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("670 images"), t.out());
        assertTrue(t.out().contains("4/4") && t.out().contains("img/s") && t.out().contains("loss"), t.out());
        for (String f : new String[] {Checkpoint.WEIGHTS, Checkpoint.CONFIG, Checkpoint.TOKENIZER, Checkpoint.INFO}) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }

        // Fine-tuning on another hospital's images keeps the base's tokenizer and config.
        Path tuned = dir.resolve("tuned");
        Run f = run("train", "--data", TestData.hannover().toString(), "--init", model.toString(), "--steps", "2",
                "--batch", "4", "--out", tuned.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, f.code(), f.err());
        assertTrue(f.out().contains("data: ") && !f.out().contains("tokenizer:"), f.out());
        assertEquals(Files.readString(model.resolve(Checkpoint.TOKENIZER)), Files.readString(tuned.resolve(Checkpoint.TOKENIZER)));
        assertEquals(Files.readString(model.resolve(Checkpoint.CONFIG)), Files.readString(tuned.resolve(Checkpoint.CONFIG)));

        Path gen = dir.resolve("gen");
        Run g = run("generate", "--model", model.toString(), "-p", "PA chest x-ray: effusion", "-p", "no finding",
                "-n", "2", "--steps", "3", "--out", gen.toString());
        assertEquals(0, g.code(), g.err());
        assertTrue(Files.isRegularFile(gen.resolve("p01-01.png")));
        assertTrue(Files.isRegularFile(gen.resolve("grid.png")));
        assertEquals(5, Files.readAllLines(gen.resolve("manifest.tsv")).size());

        Path ev = dir.resolve("eval");
        Run e = run("evaluate", "--model", model.toString(), "--data", nih, "--limit", "12", "--steps", "3",
                "--classifier-steps", "30", "--grid-columns", "2", "--out", ev.toString(), "--no-cache");
        assertEquals(0, e.code(), e.err());
        JsonNode j = new ObjectMapper().readTree(ev.resolve("evaluation.json").toFile());
        assertTrue(j.path("frechet_distance").path("real_train_vs_real_val_floor").asDouble() > 0);
        assertTrue(j.path("frechet_distance").has("generated_vs_real_val"));
        assertTrue(j.path("finding_accuracy").has("accuracy_generated"));
        assertTrue(j.path("nearest_neighbours").path("pixel_rms_generated_to_train").path("min").asDouble() > 0);
        double auc = j.path("two_sample").path("generated_vs_real_val_auc").asDouble(-1);
        assertTrue(auc >= 0 && auc <= 1, j.path("two_sample").toString());
        assertTrue(j.path("two_sample").path("real_train_vs_real_val_auc_floor").isNumber());
        assertEquals(0, j.path("image_statistics").path("real_val").path("near_uniform").asInt(-1));
        assertTrue(j.path("image_statistics").path("generated").path("laplacian_variance_median").asDouble() > 0);
        assertEquals("dpm++2m", j.path("sampling").path("scheduler").asText(), "the default scheduler");
        String report = Files.readString(ev.resolve("report.md"));
        assertTrue(report.contains("Fréchet distance") && report.contains("two-sample classifier AUC"), report);
        assertTrue(Files.isRegularFile(ev.resolve("grid.png")));
    }

    @Test
    void benchReportsThroughputFlopsAndPeak(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        Run b = run("bench", "--config", "tiny", "--batch", "4", "--train-steps", "2", "--sample-images", "2",
                "--sample-steps", "2", "--scheduler", "ddim,dpm++2m", "--matmul", "256", "--json", json.toString());
        assertEquals(0, b.code(), b.err());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        for (String k : new String[] {"train_images_per_s", "forward_gflop_per_image",
            "matmul_gflops_per_s", "train_fraction_of_matmul_peak", "peak_rss_mib"}) {
            assertTrue(j.path(k).asDouble() > 0, k + " in " + j);
        }
        // Both schedulers timed in the same run, each with its steps.
        assertEquals(2, j.path("sampling").size(), j.toString());
        assertEquals("ddim", j.path("sampling").get(0).path("scheduler").asText());
        assertEquals("dpm++2m", j.path("sampling").get(1).path("scheduler").asText());
        for (JsonNode s : j.path("sampling")) {
            assertEquals(2, s.path("steps").asInt());
            assertTrue(s.path("images_per_s").asDouble() > 0, s.toString());
        }
    }

    @Test
    void userErrorsGiveOneClearLine(@TempDir Path dir) throws Exception {
        Run r = run("generate", "--model", dir.resolve("nothing").toString(), "-p", "x", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: model folder") && r.err().contains("does not exist"), r.err());

        r = run("train", "--data", TestData.nih().toString(), "--config", "huge", "--steps", "1", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown model config 'huge'") && r.err().contains("cpu64"), r.err());

        r = run("train", "--data", dir.toString(), "--config", "tiny", "--steps", "1", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no metadata.csv"), r.err());

        r = run("train", "--data", TestData.nih().toString(), "--steps", "1", "--out", dir.toString());
        assertTrue(r.err().contains("exactly one of --config"), r.err());

        // Everything train needs, in one message; the help marks what is required.
        r = run("train");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--data DIR") && r.err().contains("--out DIR") && r.err().contains("exactly one of --config")
                && r.err().contains("--steps, --epochs or --minutes"), r.err());
        Run help = run("train", "--help");
        assertTrue(help.out().contains("--data DIR --out DIR (--config NAME | --init MODEL_DIR)"), help.out());
        assertTrue(help.out().lines().anyMatch(l -> l.contains("--data") && l.contains("(required)")), help.out());
        assertTrue(help.out().lines().anyMatch(l -> l.contains("--out") && l.contains("(required)")), help.out());

        // A model file where a model folder is expected says so, and names the folder.
        Path base = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(base.resolve("models/base-cpu64"))) {
            base = base.getParent();
        }
        Path weights = base.resolve("models/base-cpu64").resolve(Checkpoint.WEIGHTS);
        r = run("generate", "--model", weights.toString(), "-p", "x", "--out", dir.resolve("g").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(weights + " is a file; a SynthRay model is a folder holding weights.npz")
                && r.err().contains("the model folder here is " + weights.getParent()), r.err());
    }

    @Test
    void aCheckpointWhoseWeightsDoNotMatchItsConfigIsRefused(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m");
        assertEquals(0, run("train", "--data", TestData.nih().toString(), "--config", "tiny", "--steps", "1",
                "--batch", "2", "--out", model.toString(), "--cache-dir", dir.resolve("c").toString()).code());
        // A wider config than the weights were trained with: names match, shapes do not.
        String cfg = Files.readString(model.resolve(Checkpoint.CONFIG));
        ObjectMapper om = new ObjectMapper();
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(cfg);
        node.putArray("channels").add(32).add(32);
        Files.writeString(model.resolve(Checkpoint.CONFIG), om.writeValueAsString(node));
        Run r = run("generate", "--model", model.toString(), "-p", "x", "--out", dir.resolve("g").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("another config") || r.err().contains("do not fit"), r.err());
        // A prompt past the model's token budget is refused before sampling.
        Files.writeString(model.resolve(Checkpoint.CONFIG), cfg);
        r = run("generate", "--model", model.toString(), "-p", "word ".repeat(1200), "--out", dir.resolve("g").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("tokens; this model encodes at most"), r.err());
    }
}
