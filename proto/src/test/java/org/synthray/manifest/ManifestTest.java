package org.synthray.manifest;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringReader;
import org.junit.jupiter.api.Test;
import org.synthray.json.CanonicalJson;
import org.synthray.json.HashChain;
import org.synthray.manifest.ManifestEntry.GuardVerdict;

class ManifestTest {
  static final String MODEL = "ab".repeat(32);

  static ManifestEntry entry(int seq, boolean accepted) {
    return new ManifestEntry(seq, "images/%06d.png".formatted(seq), "%064x".formatted(seq + 1), 100 + seq,
        null, null, 0, "Cardiomegaly. ünïcode", 7L + seq, "ddim", 20, 3.0, MODEL,
        new GuardVerdict(accepted, 0.5, 0.9, 0.1, 0.05));
  }

  static String threeLines() {
    Manifest.Writer w = new Manifest.Writer();
    for (int i = 0; i < 3; i++) w.append(entry(i, true));
    return w.text();
  }

  @Test
  void writtenManifestReadsBackWithTheSameHead() throws Exception {
    Manifest.Writer w = new Manifest.Writer();
    for (int i = 0; i < 3; i++) w.append(entry(i, true));
    Manifest m = Manifest.read(new StringReader(w.text()));
    assertEquals(3, m.size());
    assertEquals(w.head(), m.head());
    assertEquals(entry(1, true), m.entries().get(1));
  }

  @Test
  void hashIsShaOfPreviousHashAndCanonicalLineWithoutHash() {
    String first = threeLines().lines().findFirst().orElseThrow();
    var node = (com.fasterxml.jackson.databind.node.ObjectNode) CanonicalJson.parse(first);
    String hash = node.remove("hash").asText();
    assertEquals(HashChain.GENESIS, node.get("prev").asText());
    assertEquals(HashChain.link(HashChain.GENESIS, CanonicalJson.write(node)), hash);
    // Canonical: keys sorted, so "dicomSize" precedes "file" and "guard" precedes "hash".
    assertTrue(first.indexOf("\"dicomSize\"") < first.indexOf("\"file\""));
  }

  @Test
  void editedLineIsNamed() {
    String tampered = threeLines().replaceFirst("\"seed\":8", "\"seed\":9");
    var e = assertThrows(Manifest.ManifestException.class, () -> Manifest.read(new StringReader(tampered)));
    assertEquals(2, e.line());
  }

  @Test
  void removedLineBreaksTheChain() {
    String[] lines = threeLines().split("\n");
    String without = lines[0] + "\n" + lines[2] + "\n";
    var e = assertThrows(Manifest.ManifestException.class, () -> Manifest.read(new StringReader(without)));
    assertEquals(2, e.line());
  }

  @Test
  void guardRejectedImagesCannotBeListed() {
    assertThrows(IllegalArgumentException.class, () -> new Manifest.Writer().append(entry(0, false)));
  }

  @Test
  void pathsOutsideTheSetFolderAreInvalid() {
    var bad = new ManifestEntry(0, "../data/patient.png", "%064x".formatted(1), 1, null, null, 0, "p", 1, "ddim",
        20, 3.0, MODEL, new GuardVerdict(true, 0, 1, 0, 1));
    assertThrows(IllegalArgumentException.class, bad::validate);
  }
}
