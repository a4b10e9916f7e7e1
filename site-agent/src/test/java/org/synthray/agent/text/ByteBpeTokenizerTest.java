package org.synthray.agent.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteBpeTokenizerTest {
    static final List<String> CORPUS = List.of(
            "PA chest x-ray of a 58-year-old male: cardiomegaly, emphysema",
            "PA chest x-ray of a 80-year-old male: no finding",
            "AP chest x-ray of a 41-year-old female: effusion, infiltration",
            "PA chest x-ray of a 60-year-old female: no finding");

    @Test
    void learnsMergesThatShortenFrequentWords() {
        ByteBpeTokenizer bytes = ByteBpeTokenizer.bytesOnly();
        ByteBpeTokenizer bpe = ByteBpeTokenizer.train(CORPUS, 400);
        assertTrue(bpe.vocabSize() > bytes.vocabSize());
        String s = "PA chest x-ray of a 60-year-old male: no finding";
        assertTrue(bpe.encode(s).length < bytes.encode(s).length / 2,
                "merges should compress the training texts");
    }

    @Test
    void encodesAnyTextWithoutUnknownTokens() {
        ByteBpeTokenizer bpe = ByteBpeTokenizer.train(CORPUS, 400);
        for (String s : List.of("", "Pneumothorax — right apex ✓ 肺", "\u0000\t\n weird   spacing", "ÉPANCHEMENT pleural")) {
            int[] ids = bpe.encode(s);
            assertEquals(ByteBpeTokenizer.BOS, ids[0]);
            assertEquals(ByteBpeTokenizer.EOS, ids[ids.length - 1]);
            for (int id : ids) {
                assertTrue(id >= 0 && id < bpe.vocabSize());
            }
            String norm = s.toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+", " ").strip();
            assertEquals(norm, bpe.decode(ids), "decode(encode(x)) gives back the normalised text");
        }
    }

    @Test
    void saveAndLoadKeepTheEncoding(@TempDir Path dir) throws Exception {
        ByteBpeTokenizer bpe = ByteBpeTokenizer.train(CORPUS, 400);
        bpe.save(dir.resolve("tok.json"));
        ByteBpeTokenizer back = ByteBpeTokenizer.load(dir.resolve("tok.json"));
        for (String s : CORPUS) {
            assertArrayEquals(bpe.encode(s), back.encode(s));
        }
        assertEquals(bpe.vocabSize(), back.vocabSize());
    }

    @Test
    void trainingIsDeterministic() {
        ByteBpeTokenizer a = ByteBpeTokenizer.train(CORPUS, 350);
        ByteBpeTokenizer b = ByteBpeTokenizer.train(CORPUS, 350);
        assertArrayEquals(a.encode(CORPUS.get(2)), b.encode(CORPUS.get(2)));
    }

    @Test
    void rejectsBrokenTokenizerFile(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("t.json"), "{\"type\":\"something-else\"}");
        var e = assertThrows(java.io.IOException.class, () -> ByteBpeTokenizer.load(dir.resolve("t.json")));
        assertTrue(e.getMessage().contains("not a SynthRay"));
    }

    @Test
    void longReportsAreChunkedNotCut() {
        ByteBpeTokenizer bytes = ByteBpeTokenizer.bytesOnly();
        TextEncoderConfig cfg = new TextEncoderConfig(512, 32, 1, 2, 16, 64);
        String report = "The heart is mildly enlarged. ".repeat(20); // 600 bytes → 602 tokens
        int[] ids = bytes.encode(report);
        assertTrue(ids.length >= 512);
        PromptTokens p = PromptTokens.of(new int[][] {ids, bytes.encode("short")}, cfg);
        assertEquals((ids.length + 15) / 16, p.chunks());
        assertEquals(ids[ids.length - 1], p.ids()[ids.length - 1], "the last token is kept");
        var e = assertThrows(PromptTokens.PromptTooLongException.class,
                () -> PromptTokens.of(new int[][] {bytes.encode("x".repeat(2000))}, cfg));
        assertTrue(e.getMessage().contains("at most 1024"), e.getMessage());
    }
}
