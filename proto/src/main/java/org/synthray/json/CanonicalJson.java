package org.synthray.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one JSON form that SynthRay hashes: object keys sorted by their UTF-16 code units (as in
 * RFC 8785), no insignificant whitespace, UTF-8. Both the provenance ledger and the synthetic-set
 * manifest hash this form, so that anyone can recompute a hash with a few lines of any language
 * (for example Python's {@code json.dumps(obj, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False)} for payloads of strings, integers and booleans).
 */
public final class CanonicalJson {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private CanonicalJson() {}

  /** Canonical text of any Jackson-serialisable value (maps, lists, records, JsonNode). */
  public static String write(Object value) {
    JsonNode tree = value instanceof JsonNode n ? n : MAPPER.valueToTree(value);
    try {
      return MAPPER.writeValueAsString(sorted(tree));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] bytes(Object value) {
    return write(value).getBytes(StandardCharsets.UTF_8);
  }

  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      ObjectNode out = MAPPER.createObjectNode();
      for (String name : names) {
        out.set(name, sorted(node.get(name)));
      }
      return out;
    }
    if (node.isArray()) {
      var out = MAPPER.createArrayNode();
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        out.add(sorted(it.next()));
      }
      return out;
    }
    return node;
  }

  /** A mutable, insertion-ordered map for building payloads. */
  public static Map<String, Object> object() {
    return new java.util.LinkedHashMap<>();
  }
}
