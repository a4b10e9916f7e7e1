package org.synthray.agent.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE learned from the training texts. Every UTF-8 byte has its own id, so any text,
 * in any language or with any typo, encodes without an "unknown" token; merges only make frequent
 * words shorter. The merges are stored with the model ({@code tokenizer.json}): a model must be
 * used with the tokenizer it was trained with.
 *
 * <p>Ids: 0 = padding, 1 = begin, 2 = end, 3..258 = the bytes 0..255, then one id per merge.
 */
public final class ByteBpeTokenizer {
    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    static final int BYTE_OFFSET = 3;
    static final int BASE_VOCAB = BYTE_OFFSET + 256;

    /** GPT-2 style pre-split: a word keeps its leading space, digits and punctuation stand alone. */
    private static final Pattern WORDS = Pattern.compile(" ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+");

    private final int[][] merges; // merges[i] = {left, right} → id BASE_VOCAB + i
    private final Map<Long, Integer> rank = new HashMap<>();
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    public ByteBpeTokenizer(int[][] merges) {
        this.merges = merges.clone();
        for (int i = 0; i < merges.length; i++) {
            int[] m = merges[i];
            if (m.length != 2 || m[0] < BYTE_OFFSET || m[1] < BYTE_OFFSET
                    || m[0] >= BASE_VOCAB + i || m[1] >= BASE_VOCAB + i) {
                throw new IllegalArgumentException("tokenizer merge " + i + " refers to an id not yet defined");
            }
            rank.put(pair(m[0], m[1]), i);
        }
    }

    /** A tokenizer with bytes only (no merges): valid, just longer sequences. */
    public static ByteBpeTokenizer bytesOnly() {
        return new ByteBpeTokenizer(new int[0][]);
    }

    /**
     * Learns merges from {@code texts} until the vocabulary has {@code vocabSize} ids or no pair
     * occurs twice. Deterministic: ties go to the smaller pair of ids.
     */
    public static ByteBpeTokenizer train(Iterable<String> texts, int vocabSize) {
        if (vocabSize < BASE_VOCAB) {
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below the " + BASE_VOCAB
                    + " ids that bytes and special tokens need");
        }
        Map<String, Integer> wordCounts = new LinkedHashMap<>();
        for (String t : texts) {
            for (String w : words(t)) {
                wordCounts.merge(w, 1, Integer::sum);
            }
        }
        List<int[]> symbols = new ArrayList<>();
        int[] counts = new int[wordCounts.size()];
        int wi = 0;
        for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
            symbols.add(byteIds(e.getKey()));
            counts[wi++] = e.getValue();
        }
        List<int[]> merges = new ArrayList<>();
        while (BASE_VOCAB + merges.size() < vocabSize) {
            Map<Long, Integer> pairCounts = new HashMap<>();
            for (int w = 0; w < symbols.size(); w++) {
                int[] s = symbols.get(w);
                for (int i = 0; i + 1 < s.length; i++) {
                    pairCounts.merge(pair(s[i], s[i + 1]), counts[w], Integer::sum);
                }
            }
            long best = -1;
            int bestCount = 1;
            for (Map.Entry<Long, Integer> e : pairCounts.entrySet()) {
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && best != -1 && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == -1) {
                break; // no pair occurs twice: further merges would only memorise single words
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            int id = BASE_VOCAB + merges.size();
            merges.add(new int[] {left, right});
            for (int w = 0; w < symbols.size(); w++) {
                symbols.set(w, applyMerge(symbols.get(w), left, right, id));
            }
        }
        return new ByteBpeTokenizer(merges.toArray(new int[0][]));
    }

    /** Number of ids (specials + bytes + merges): the embedding table needs at least this many rows. */
    public int vocabSize() {
        return BASE_VOCAB + merges.length;
    }

    /** Token ids of {@code text} framed by {@link #BOS} and {@link #EOS}; never fails on content. */
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(BOS);
        for (String w : words(text)) {
            for (int id : cache.computeIfAbsent(w, this::encodeWord)) {
                ids.add(id);
            }
        }
        ids.add(EOS);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Text of the ids, special tokens dropped; invalid UTF-8 is replaced, never thrown. */
    public String decode(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            appendBytes(id, out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private void appendBytes(int id, java.io.ByteArrayOutputStream out) {
        if (id < BYTE_OFFSET) {
            return;
        }
        if (id < BASE_VOCAB) {
            out.write(id - BYTE_OFFSET);
            return;
        }
        int[] m = merges[id - BASE_VOCAB];
        appendBytes(m[0], out);
        appendBytes(m[1], out);
    }

    private int[] encodeWord(String w) {
        int[] s = byteIds(w);
        while (s.length > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestAt = -1;
            for (int i = 0; i + 1 < s.length; i++) {
                Integer r = rank.get(pair(s[i], s[i + 1]));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestAt = i;
                }
            }
            if (bestAt < 0) {
                break;
            }
            int[] m = merges[bestRank];
            s = applyMerge(s, m[0], m[1], BASE_VOCAB + bestRank);
        }
        return s;
    }

    /**
     * Normalises then splits: lower case (reports capitalise at random; the model should not care)
     * and runs of white space become one space.
     */
    static List<String> words(String text) {
        String norm = text == null ? "" : text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
        List<String> out = new ArrayList<>();
        Matcher m = WORDS.matcher(norm);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static int[] byteIds(String w) {
        byte[] b = w.getBytes(StandardCharsets.UTF_8);
        int[] s = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            s[i] = BYTE_OFFSET + (b[i] & 0xff);
        }
        return s;
    }

    private static int[] applyMerge(int[] s, int left, int right, int id) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = s[i];
            }
        }
        return n == s.length ? s : Arrays.copyOf(out, n);
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    public void save(Path file) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("type", "byte-level-bpe");
        root.put("lowercase", true);
        root.put("vocab_size", vocabSize());
        ArrayNode arr = root.putArray("merges");
        for (int[] m : merges) {
            arr.addArray().add(m[0]).add(m[1]);
        }
        Files.writeString(file, om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    public static ByteBpeTokenizer load(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !"byte-level-bpe".equals(root.path("type").asText())) {
            throw new IOException(file + " is not a SynthRay byte-level BPE tokenizer");
        }
        JsonNode arr = root.path("merges");
        int[][] merges = new int[arr.size()][];
        for (int i = 0; i < arr.size(); i++) {
            merges[i] = new int[] {arr.get(i).get(0).asInt(), arr.get(i).get(1).asInt()};
        }
        return new ByteBpeTokenizer(merges);
    }
}
