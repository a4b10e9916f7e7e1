package org.synthray.coordinator.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Draws a model's lineage, read from its PROV-JSON, as an SVG picture: model versions, the rounds
 * that made them and the sites' updates that went into each round, from left (oldest) to right,
 * with the synthetic sets made from the model at the end. Every label is escaped.
 */
final class LineagePicture {
    static final int MAX_NODES = 400;
    private static final int COL = 170;
    private static final int ROW = 54;
    private static final int W = 150;
    private static final int H = 38;

    private record Node(String id, String kind, String label, String title) {
    }

    private LineagePicture() {
    }

    /**
     * @param prov the model's PROV-JSON ({@code ProvenanceService.modelLineage(...).toJson()})
     * @param sets ids of the synthetic sets generated with the model
     * @param model the model's PROV id ({@code synthray:model-<sha>})
     */
    static String svg(JsonNode prov, String model, List<String> sets) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<String, Set<String>> edges = new LinkedHashMap<>(); // from → to (older → newer)
        prov.path("entity").properties().forEach(e -> {
            String type = e.getValue().path("prov:type").path("$").asText("");
            JsonNode a = e.getValue();
            if (type.endsWith("ModelVersion")) {
                String sha = a.path("synthray:sha256").asText("");
                nodes.put(e.getKey(), new Node(e.getKey(), "model", "model " + sha.substring(0, Math.min(8, sha.length())), sha));
            } else if (type.endsWith("ModelUpdate")) {
                nodes.put(e.getKey(), new Node(e.getKey(), "update", a.path("synthray:site").asText("?") + " update",
                        a.path("synthray:numExamples").asText("") + " examples, round " + a.path("synthray:round").asText("")));
            }
        });
        prov.path("activity").properties().forEach(e -> {
            String type = e.getValue().path("prov:type").path("$").asText("");
            if (type.endsWith("FederatedRound")) {
                JsonNode a = e.getValue();
                nodes.put(e.getKey(), new Node(e.getKey(), "round", "round " + a.path("synthray:round").asText("?"),
                        "run " + a.path("synthray:run").asText("") + ", " + a.path("synthray:strategy").asText("")));
            }
        });
        prov.path("used").forEach(r -> edge(edges, nodes, r.path("prov:entity").asText(), r.path("prov:activity").asText()));
        prov.path("wasGeneratedBy").forEach(r -> edge(edges, nodes, r.path("prov:activity").asText(), r.path("prov:entity").asText()));
        prov.path("wasDerivedFrom").forEach(r -> {
            String from = r.path("prov:usedEntity").asText();
            String to = r.path("prov:generatedEntity").asText();
            // a model derives from its parent through a round: that path is drawn already
            if (nodes.containsKey(to) && "update".equals(nodes.get(to).kind())) {
                edge(edges, nodes, from, to);
            }
        });
        for (String s : sets) {
            String id = "set:" + s;
            nodes.put(id, new Node(id, "set", s, "synthetic set " + s));
            edge(edges, nodes, model, id);
        }
        if (nodes.size() > MAX_NODES) {
            return "<p class=\"muted\">This lineage has " + nodes.size() + " steps, too many to draw; the PROV-JSON has them all.</p>";
        }
        // column = longest path from a source; row = order within the column
        Map<String, Integer> depth = new HashMap<>();
        for (String n : nodes.keySet()) {
            depth(n, edges, depth, new LinkedHashSet<>());
        }
        Map<Integer, List<String>> columns = new java.util.TreeMap<>();
        nodes.keySet().forEach(n -> columns.computeIfAbsent(depth.get(n), k -> new ArrayList<>()).add(n));
        Map<String, int[]> at = new HashMap<>();
        int rows = 1;
        for (Map.Entry<Integer, List<String>> c : columns.entrySet()) {
            List<String> col = c.getValue();
            rows = Math.max(rows, col.size());
            for (int i = 0; i < col.size(); i++) {
                at.put(col.get(i), new int[] {10 + c.getKey() * COL, 10 + i * ROW});
            }
        }
        int width = 20 + columns.size() * COL;
        int height = 20 + rows * ROW;
        StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-labelledby=\"lineage-title\"><title id=\"lineage-title\">Lineage: ")
                .append(nodes.size()).append(" steps from the base model to this version and its sets</title>")
                .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">")
                .append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7a8696\"/></marker></defs>");
        edges.forEach((from, tos) -> tos.forEach(to -> {
            int[] p = at.get(from);
            int[] q = at.get(to);
            b.append("<line x1=\"").append(p[0] + W).append("\" y1=\"").append(p[1] + H / 2).append("\" x2=\"").append(q[0])
                    .append("\" y2=\"").append(q[1] + H / 2).append("\" stroke=\"#7a8696\" marker-end=\"url(#arrow)\"/>");
        }));
        nodes.values().forEach(n -> {
            int[] p = at.get(n.id());
            boolean self = n.id().equals(model);
            b.append("<g class=\"node ").append(n.kind()).append(self ? " self" : "").append("\"><title>").append(esc(n.title()))
                    .append("</title><rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"").append(W)
                    .append("\" height=\"").append(H).append("\" rx=\"").append("round".equals(n.kind()) ? 19 : 6).append("\"/>")
                    .append("<text x=\"").append(p[0] + W / 2).append("\" y=\"").append(p[1] + H / 2 + 5)
                    .append("\" text-anchor=\"middle\">").append(esc(n.label())).append("</text></g>");
        });
        return b.append("</svg>").toString();
    }

    private static void edge(Map<String, Set<String>> edges, Map<String, Node> nodes, String from, String to) {
        if (nodes.containsKey(from) && nodes.containsKey(to) && !from.equals(to)) {
            edges.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(to);
        }
    }

    private static int depth(String n, Map<String, Set<String>> edges, Map<String, Integer> memo, Set<String> path) {
        Integer known = memo.get(n);
        if (known != null) {
            return known;
        }
        if (!path.add(n)) {
            return 0; // a cycle cannot happen in PROV lineage; never loop on one
        }
        int d = 0;
        for (Map.Entry<String, Set<String>> e : edges.entrySet()) {
            if (e.getValue().contains(n)) {
                d = Math.max(d, depth(e.getKey(), edges, memo, path) + 1);
            }
        }
        path.remove(n);
        memo.put(n, d);
        return d;
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
