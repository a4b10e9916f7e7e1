package org.synthray.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.synthray.manifest.SetDescription.FileRef;

/**
 * The files of a synthetic set, checked the same way by the site agent before it sends them and by
 * the coordinator when they arrive: exactly the files the manifest lists, and each of the kind its
 * name says (a PNG image or a DICOM file).
 */
public final class SetFiles {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  /** How many leading bytes {@link #checkKind} reads: a DICOM file's preamble and its "DICM". */
  private static final int HEAD_BYTES = 132;

  private SetFiles() {}

  /** Every file the manifest lists, by its path in the upload folder, in manifest order. */
  public static Map<String, FileRef> listed(Manifest manifest) {
    Map<String, FileRef> listed = new LinkedHashMap<>();
    for (FileRef f : SetDescription.files(manifest)) {
      listed.put(f.path(), f);
    }
    return listed;
  }

  /**
   * The files a site declares must be exactly those the manifest lists, with its hashes and sizes.
   *
   * @throws IllegalArgumentException naming the first file that is extra, missing, sent twice or different
   */
  public static void checkDeclared(Manifest manifest, List<FileRef> files) {
    Map<String, FileRef> listed = listed(manifest);
    Set<String> declared = new HashSet<>();
    for (FileRef f : files) {
      if (!declared.add(f.path())) {
        throw new IllegalArgumentException(f.path() + " is sent twice");
      }
      FileRef l = listed.get(f.path());
      if (l == null) {
        throw new IllegalArgumentException(
            f.path() + " is not listed in the manifest; only listed images can be published");
      }
      if (!l.sha256().equals(f.sha256()) || l.size() != f.size()) {
        throw new IllegalArgumentException(f.path() + " does not match the manifest: sent as " + f.sha256() + " ("
            + f.size() + " bytes), listed as " + l.sha256() + " (" + l.size() + " bytes)");
      }
    }
    for (String path : listed.keySet()) {
      if (!declared.contains(path)) {
        throw new IllegalArgumentException("the manifest lists " + path + " but it is not sent");
      }
    }
  }

  /**
   * Checks that a file starts as its name says: a {@code .png} with PNG's signature, anything else
   * (a {@code .dcm}) with DICOM's {@code DICM} after the 128-byte preamble. Reads at most 132 bytes.
   *
   * @param shown the file's name in the message
   * @throws IllegalArgumentException "{@code <shown> is not a PNG image}" or "… is not a DICOM file"
   */
  public static void checkKind(String shown, InputStream in) throws IOException {
    byte[] head = in.readNBytes(HEAD_BYTES);
    boolean png = shown.endsWith(".png");
    boolean ok = png
        ? head.length >= PNG.length && Arrays.equals(Arrays.copyOf(head, PNG.length), PNG)
        : head.length >= HEAD_BYTES && head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M';
    if (!ok) {
      throw new IllegalArgumentException(shown + " is not a " + (png ? "PNG image" : "DICOM file"));
    }
  }
}
