package org.synthray.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.synthray.json.CanonicalJson;
import org.synthray.json.HashChain;

/**
 * A synthetic set's {@code manifest.jsonl}: one JSON object per accepted image, hash-chained so that
 * no line can be added, removed, reordered or edited without breaking the chain.
 *
 * <p>Each line holds the fields of {@link ManifestEntry} plus {@code prev} (the previous line's
 * hash, 64 zeros for the first) and {@code hash = SHA-256(prev ‖ canonical JSON of the line without
 * "hash")}. The last hash, the chain head, is recorded in {@code set.json} and in the coordinator's
 * ledger when the set is uploaded. See docs/synthetic-sets.md.
 */
public final class Manifest {
  private final List<ManifestEntry> entries;
  private final List<String> hashes;

  private Manifest(List<ManifestEntry> entries, List<String> hashes) {
    this.entries = List.copyOf(entries);
    this.hashes = List.copyOf(hashes);
  }

  public List<ManifestEntry> entries() {
    return entries;
  }

  public String head() {
    return hashes.isEmpty() ? HashChain.GENESIS : hashes.get(hashes.size() - 1);
  }

  public int size() {
    return entries.size();
  }

  /** Builds the lines of a manifest one entry at a time. */
  public static final class Writer {
    private String prev = HashChain.GENESIS;
    private final StringBuilder text = new StringBuilder();
    private final List<ManifestEntry> entries = new ArrayList<>();
    private final List<String> hashes = new ArrayList<>();
    private final Set<String> files = new HashSet<>();

    /** Appends an entry and returns its JSON line (with newline) ready to be written to disk. */
    public String append(ManifestEntry entry) {
      if (!entry.guard().accepted()) {
        throw new IllegalArgumentException(entry.file() + ": the guard rejected it; it cannot be listed");
      }
      if (!files.add(entry.file())) {
        throw new IllegalArgumentException(entry.file() + ": listed twice");
      }
      ObjectNode node = CanonicalJson.MAPPER.valueToTree(entry);
      node.put("prev", prev);
      String hash = HashChain.link(prev, CanonicalJson.write(node));
      node.put("hash", hash);
      String line = CanonicalJson.write(node) + "\n";
      text.append(line);
      entries.add(entry);
      hashes.add(hash);
      prev = hash;
      return line;
    }

    public String head() {
      return prev;
    }

    public String text() {
      return text.toString();
    }

    public Manifest build() {
      return new Manifest(entries, hashes);
    }
  }

  /**
   * Reads and verifies a manifest: every line parses, its {@code prev} is the previous hash, its
   * hash recomputes, no file is listed twice, and every entry passed the guard.
   *
   * @throws ManifestException naming the first line (1-based) that does not verify
   */
  public static Manifest read(Reader reader) throws IOException {
    BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    List<ManifestEntry> entries = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    Set<String> files = new HashSet<>();
    String prev = HashChain.GENESIS;
    String line;
    int number = 0;
    while ((line = in.readLine()) != null) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = CanonicalJson.parse(line);
      } catch (IllegalArgumentException e) {
        throw new ManifestException(number, "not JSON");
      }
      if (!node.isObject() || !node.hasNonNull("hash") || !node.hasNonNull("prev")) {
        throw new ManifestException(number, "missing prev or hash");
      }
      ObjectNode body = ((ObjectNode) node).deepCopy();
      String hash = body.remove("hash").asText();
      if (!prev.equals(body.get("prev").asText())) {
        throw new ManifestException(number, "prev does not match the previous line's hash");
      }
      if (!hash.equals(HashChain.link(prev, CanonicalJson.write(body)))) {
        throw new ManifestException(number, "hash does not match the line's content");
      }
      body.remove("prev");
      ManifestEntry entry;
      try {
        entry = CanonicalJson.MAPPER.treeToValue(body, ManifestEntry.class);
        entry.validate();
      } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new ManifestException(number, "invalid entry: " + e.getMessage());
      }
      if (!entry.guard().accepted()) {
        throw new ManifestException(number, entry.file() + " was rejected by the guard");
      }
      if (!files.add(entry.file())) {
        throw new ManifestException(number, entry.file() + " is listed twice");
      }
      entries.add(entry);
      hashes.add(hash);
      prev = hash;
    }
    return new Manifest(entries, hashes);
  }

  /** A manifest line that does not verify. */
  public static final class ManifestException extends IOException {
    private final int line;

    public ManifestException(int line, String reason) {
      super("manifest line " + line + ": " + reason);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }
}
