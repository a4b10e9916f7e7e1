package org.synthray.agent.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small RFC 4180 CSV reader: quoted fields, doubled quotes, commas and newlines inside quotes. */
public final class Csv {
    private final List<String> header;
    private final List<Map<String, String>> rows;

    private final List<String> problems;

    private Csv(List<String> header, List<Map<String, String>> rows) {
        this(header, rows, List.of());
    }

    private Csv(List<String> header, List<Map<String, String>> rows, List<String> problems) {
        this.header = header;
        this.rows = rows;
        this.problems = List.copyOf(problems);
    }

    private static Csv readJsonl(Path file) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> header = new ArrayList<>();
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isEmpty()) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode node;
            try {
                node = json.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                problems.add("line " + (i + 1) + ": not valid JSON");
                continue;
            }
            if (node == null || !node.isObject()) {
                problems.add("line " + (i + 1) + ": not a JSON object");
                continue;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (var it = node.fields(); it.hasNext(); ) {
                var f = it.next();
                String key = f.getKey().strip();
                if (!header.contains(key)) {
                    header.add(key);
                }
                com.fasterxml.jackson.databind.JsonNode v = f.getValue();
                String value;
                if (v.isNull()) {
                    value = "";
                } else if (v.isArray()) {
                    List<String> parts = new ArrayList<>();
                    v.forEach(e -> parts.add(e.asText()));
                    value = String.join("|", parts);
                } else if (v.isValueNode()) {
                    value = v.asText();
                } else {
                    value = v.toString();
                }
                m.put(key, value);
            }
            rows.add(m);
        }
        if (rows.isEmpty() && problems.isEmpty()) {
            throw new IOException(file + " is empty: expected one JSON object per line");
        }
        // Every row answers every column, as a CSV row does.
        for (Map<String, String> r : rows) {
            for (String h : header) {
                r.putIfAbsent(h, "");
            }
        }
        return new Csv(header, rows, problems);
    }

    public List<String> header() {
        return header;
    }

    /** Rows as column → value (missing trailing fields read as empty). */
    public List<Map<String, String>> rows() {
        return rows;
    }

    /**
     * Lines of a JSON Lines file that were left out, with their 1-based line number and why (empty
     * for a CSV).
     */
    public List<String> problems() {
        return problems;
    }

    /**
     * Reads a CSV, or a JSON Lines file ({@code .jsonl}, {@code .ndjson}: one object per line; strings
     * are kept, numbers and booleans become text, arrays are joined with {@code |} as label lists
     * are in a CSV). A JSONL line that is not an object is left out and named in {@link #problems()}.
     */
    public static Csv read(Path file) throws IOException {
        String lower = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
            return readJsonl(file);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<List<String>> records = parse(text);
        if (records.isEmpty()) {
            throw new IOException(file + " is empty: expected a header line");
        }
        List<String> header = new ArrayList<>();
        for (String h : records.get(0)) {
            header.add(h.strip());
        }
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < records.size(); i++) {
            List<String> r = records.get(i);
            if (r.size() == 1 && r.get(0).isBlank()) {
                continue;
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                m.put(header.get(c), c < r.size() ? r.get(c) : "");
            }
            rows.add(m);
        }
        return new Csv(header, rows);
    }

    static List<List<String>> parse(String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    f.append(ch);
                }
                continue;
            }
            switch (ch) {
                case '"' -> {
                    quoted = true;
                    any = true;
                }
                case ',' -> {
                    rec.add(f.toString());
                    f.setLength(0);
                    any = true;
                }
                case '\r' -> {
                }
                case '\n' -> {
                    rec.add(f.toString());
                    f.setLength(0);
                    out.add(rec);
                    rec = new ArrayList<>();
                    any = false;
                }
                default -> {
                    f.append(ch);
                    any = true;
                }
            }
        }
        if (any || f.length() > 0) {
            rec.add(f.toString());
            out.add(rec);
        }
        return out;
    }
}
