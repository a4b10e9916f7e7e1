package org.synthray.manifest;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.synthray.json.CanonicalJson;
import org.synthray.manifest.SetDescription.FileRef;

/** set.json written and read by the same class; a set's files checked the same way on both sides. */
class SetFilesTest {

  static Manifest manifest() throws Exception {
    return Manifest.read(new StringReader(ManifestTest.threeLines()));
  }

  @Test
  void setJsonWrittenByOfParsesBackToTheSameDescription() throws Exception {
    Manifest m = manifest();
    SetDescription written = SetDescription.of("site-a", ManifestTest.MODEL, "run-1/round-2", List.of("Cardiomegaly."), 3,
        m.size(), 1, CanonicalJson.parse("{\"pixelThreshold\":0.9}"), "ddim", 20, 3.0, 42L, m.head(),
        "2026-12-06T03:00:00Z");
    SetDescription read = SetDescription.parse(CanonicalJson.write(written.json()));
    assertEquals(CanonicalJson.write(written.json()), CanonicalJson.write(read.json()));
    assertEquals(List.of("site-a", ManifestTest.MODEL, "run-1/round-2", List.of("Cardiomegaly."), 3, 1, 0.9, 42L, m.head()),
        List.of(read.site(), read.model(), read.modelSource(), read.prompts(), read.count(), read.rejected(),
            read.guard().get("pixelThreshold").asDouble(), read.seed(), read.manifestHead()));
    read.checkAgainst(m);
  }

  @Test
  void declaredFilesMustBeExactlyTheListedOnes() throws Exception {
    Manifest m = manifest();
    List<FileRef> files = SetDescription.files(m);
    SetFiles.checkDeclared(m, files);

    List<FileRef> missing = files.subList(0, 2);
    assertEquals("the manifest lists images/000002.png but it is not sent",
        assertThrows(IllegalArgumentException.class, () -> SetFiles.checkDeclared(m, missing)).getMessage());

    List<FileRef> extra = new ArrayList<>(files);
    extra.add(new FileRef("images/999999.png", "ab".repeat(32), 5));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SetFiles.checkDeclared(m, extra)).getMessage()
        .startsWith("images/999999.png is not listed in the manifest"));

    List<FileRef> twice = new ArrayList<>(files);
    twice.add(files.get(0));
    assertEquals("images/000000.png is sent twice",
        assertThrows(IllegalArgumentException.class, () -> SetFiles.checkDeclared(m, twice)).getMessage());

    List<FileRef> resized = new ArrayList<>(files);
    FileRef f = files.get(1);
    resized.set(1, new FileRef(f.path(), f.sha256(), f.size() + 1));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> SetFiles.checkDeclared(m, resized)).getMessage()
        .startsWith("images/000001.png does not match the manifest"));
  }

  @Test
  void aFileMustStartAsItsNameSays() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0};
    byte[] dicom = new byte[200];
    dicom[128] = 'D';
    dicom[129] = 'I';
    dicom[130] = 'C';
    dicom[131] = 'M';
    SetFiles.checkKind("a.png", new ByteArrayInputStream(png));
    SetFiles.checkKind("a.dcm", new ByteArrayInputStream(dicom));
    assertEquals("a.png is not a PNG image",
        assertThrows(IllegalArgumentException.class, () -> SetFiles.checkKind("a.png", new ByteArrayInputStream(dicom)))
            .getMessage());
    assertEquals("upload/a.dcm is not a DICOM file",
        assertThrows(IllegalArgumentException.class,
            () -> SetFiles.checkKind("upload/a.dcm", new ByteArrayInputStream(png))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> SetFiles.checkKind("short.dcm", new ByteArrayInputStream(new byte[131])));
  }
}
