package org.synthray.manifest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.regex.Pattern;

/**
 * One accepted synthetic image in a set's manifest.
 *
 * @param seq 0-based position in the set
 * @param file the PNG's path relative to the set folder, e.g. {@code images/000017.png}
 * @param sha256 SHA-256 of the PNG file (hex)
 * @param size the PNG's size in bytes
 * @param dicom the DICOM Secondary Capture's relative path, or null when none was written
 * @param dicomSha256 SHA-256 of the DICOM file, or null
 * @param dicomSize the DICOM file's size in bytes, or 0
 * @param prompt the text prompt
 * @param seed the sampler's seed
 * @param sampler sampler name, e.g. {@code ddim}
 * @param steps sampling steps
 * @param guidance classifier-free guidance scale
 * @param model SHA-256 of the model weights that generated it
 * @param guard the privacy guard's verdict
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record ManifestEntry(
    int seq,
    String file,
    String sha256,
    long size,
    String dicom,
    String dicomSha256,
    long dicomSize,
    String prompt,
    long seed,
    String sampler,
    int steps,
    double guidance,
    String model,
    GuardVerdict guard) {

  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern PATH = Pattern.compile("(images|dicom)/[A-Za-z0-9._-]+\\.(png|dcm)");

  /** The guard's result for one image: scores against the site's training images and thresholds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GuardVerdict(
      boolean accepted,
      double pixelScore,
      double pixelThreshold,
      double embeddingScore,
      double embeddingThreshold) {}

  /** Paths are plain relative names inside the set folder; hashes are lowercase hex. */
  public void validate() {
    if (file == null || !PATH.matcher(file).matches() || !file.endsWith(".png")) {
      throw new IllegalArgumentException("file must be images/<name>.png, not " + file);
    }
    if (sha256 == null || !SHA.matcher(sha256).matches()) {
      throw new IllegalArgumentException(file + ": sha256 must be 64 lowercase hex characters");
    }
    if (dicom != null
        && (!PATH.matcher(dicom).matches()
            || !dicom.endsWith(".dcm")
            || dicomSha256 == null
            || !SHA.matcher(dicomSha256).matches())) {
      throw new IllegalArgumentException(file + ": dicom must be dicom/<name>.dcm with its sha256");
    }
    if (model == null || !SHA.matcher(model).matches()) {
      throw new IllegalArgumentException(file + ": model must be the weights' SHA-256");
    }
    if (guard == null) {
      throw new IllegalArgumentException(file + ": no guard verdict");
    }
    if (prompt == null) {
      throw new IllegalArgumentException(file + ": no prompt");
    }
  }
}
