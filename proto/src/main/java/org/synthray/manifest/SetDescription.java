package org.synthray.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.synthray.json.CanonicalJson;

/**
 * A synthetic set's {@code set.json}: what was generated, by which model, how many images the guard
 * accepted and rejected. {@code synthesize} writes it last ({@link #of}, {@link #json()}), so its
 * presence marks a complete set; site agent and coordinator read it with {@link #parse} and check it
 * against the manifest with {@link #checkAgainst}.
 *
 * @param guard      the guard's calibration summary (thresholds, reference images…), as written
 * @param evaluation evaluation numbers when the site computed them, else null
 * @param json       the whole document, for the datasheet
 */
public record SetDescription(
    String format,
    String site,
    String model,
    String modelSource,
    List<String> prompts,
    int perPrompt,
    int count,
    int rejected,
    JsonNode guard,
    String sampler,
    int steps,
    double guidance,
    long seed,
    String manifestHead,
    String createdAt,
    JsonNode evaluation,
    JsonNode json) {

  public static final String FORMAT = "synthray-set/1";
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SITE = Pattern.compile(org.synthray.auth.CallerHeaders.SITE_ID_PATTERN);

  /** set.json as {@link #of} writes it: Jackson writes a record's fields in this order. */
  private record Written(String format, String site, String model, String modelSource, List<String> prompts,
      int perPrompt, int count, int rejected, JsonNode guard, String sampler, int steps, double guidance, long seed,
      String manifestHead, String createdAt) {}

  /** One file of a set: its path in the upload folder, SHA-256 and size. */
  public record FileRef(String path, String sha256, long size) {}

  /**
   * A new set's description, its {@link #json()} the document {@code set.json} holds (fields in this
   * order; no evaluation yet).
   *
   * @param guard the guard's calibration summary
   */
  public static SetDescription of(String site, String model, String modelSource, List<String> prompts, int perPrompt,
      int count, int rejected, JsonNode guard, String sampler, int steps, double guidance, long seed,
      String manifestHead, String createdAt) {
    ObjectNode n = CanonicalJson.MAPPER.valueToTree(new Written(FORMAT, site, model, modelSource, prompts, perPrompt,
        count, rejected, guard, sampler, steps, guidance, seed, manifestHead, createdAt));
    return new SetDescription(FORMAT, site, model, modelSource, List.copyOf(prompts), perPrompt, count, rejected, guard,
        sampler, steps, guidance, seed, manifestHead, createdAt, null, n);
  }

  /**
   * Parses and checks the fields on their own.
   *
   * @throws IllegalArgumentException naming the first field that is missing or wrong
   */
  public static SetDescription parse(String text) {
    JsonNode n;
    try {
      n = CanonicalJson.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("set.json is not JSON");
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("set.json must be a JSON object");
    }
    String format = text(n, "format");
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException("set.json: format must be " + FORMAT + ", got " + format);
    }
    String site = text(n, "site");
    if (!SITE.matcher(site).matches()) {
      throw new IllegalArgumentException("set.json: site must be 1-64 letters, digits, '.', '_' or '-'");
    }
    String model = text(n, "model");
    String head = text(n, "manifestHead");
    if (!SHA.matcher(model).matches() || !SHA.matcher(head).matches()) {
      throw new IllegalArgumentException("set.json: model and manifestHead must be SHA-256 hex digests");
    }
    List<String> prompts = new ArrayList<>();
    if (!n.path("prompts").isArray() || n.path("prompts").isEmpty()) {
      throw new IllegalArgumentException("set.json: prompts must be a non-empty list");
    }
    n.get("prompts").forEach(p -> prompts.add(p.asText()));
    int count = integer(n, "count");
    int rejected = integer(n, "rejected");
    JsonNode evaluation = n.hasNonNull("evaluation") ? n.get("evaluation") : null;
    return new SetDescription(
        format,
        site,
        model,
        n.path("modelSource").asText(null),
        List.copyOf(prompts),
        n.path("perPrompt").asInt(0),
        count,
        rejected,
        n.path("guard"),
        n.path("sampler").asText(null),
        n.path("steps").asInt(0),
        n.path("guidance").asDouble(0),
        n.path("seed").asLong(0),
        head,
        n.path("createdAt").asText(null),
        evaluation,
        n);
  }

  private static String text(JsonNode n, String field) {
    if (!n.hasNonNull(field) || !n.get(field).isTextual()) {
      throw new IllegalArgumentException("set.json: " + field + " is missing");
    }
    return n.get(field).asText();
  }

  private static int integer(JsonNode n, String field) {
    if (!n.path(field).canConvertToInt() || !n.get(field).isIntegralNumber() || n.get(field).asInt() < 0) {
      throw new IllegalArgumentException("set.json: " + field + " must be a whole number >= 0");
    }
    return n.get(field).asInt();
  }

  /**
   * Checks that this description and the verified manifest tell the same story: the manifest's head
   * and number of images, every image made by this model, no two images with the same content.
   *
   * @throws IllegalArgumentException with the first disagreement
   */
  public void checkAgainst(Manifest manifest) {
    if (!manifestHead.equals(manifest.head())) {
      throw new IllegalArgumentException(
          "set.json manifestHead " + manifestHead + " is not the manifest's head " + manifest.head());
    }
    if (count != manifest.size()) {
      throw new IllegalArgumentException(
          "set.json count " + count + " but the manifest lists " + manifest.size() + " images");
    }
    if (manifest.size() == 0) {
      throw new IllegalArgumentException("the manifest lists no image");
    }
    Map<String, String> byContent = new HashMap<>();
    for (ManifestEntry e : manifest.entries()) {
      if (!model.equals(e.model())) {
        throw new IllegalArgumentException(
            e.file() + " was generated by model " + e.model() + ", not the set's model " + model);
      }
      String twin = byContent.putIfAbsent(e.sha256(), e.file());
      if (twin != null) {
        throw new IllegalArgumentException("duplicate image: " + e.file() + " has the same content as " + twin);
      }
      if (e.dicom() != null) {
        String other = byContent.putIfAbsent(e.dicomSha256(), e.dicom());
        if (other != null) {
          throw new IllegalArgumentException(
              "duplicate image: " + e.dicom() + " has the same content as " + other);
        }
      }
    }
  }

  /** Every file the manifest lists: each PNG and, where written, its DICOM. */
  public static List<FileRef> files(Manifest manifest) {
    List<FileRef> files = new ArrayList<>();
    for (ManifestEntry e : manifest.entries()) {
      files.add(new FileRef(e.file(), e.sha256(), e.size()));
      if (e.dicom() != null) {
        files.add(new FileRef(e.dicom(), e.dicomSha256(), e.dicomSize()));
      }
    }
    return files;
  }
}
