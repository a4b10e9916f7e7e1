package org.synthray.agent.dicom;

import static org.synthray.agent.dicom.DicomTags.*;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.Deflater;

/** Builds small radiograph DICOM files by hand for the tests (none are committed). */
final class TestDicom {
    final DicomElements meta = new DicomElements();
    final DicomElements data = new DicomElements();
    private String transferSyntax = TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN;

    /** A MONOCHROME2 radiograph of the given modality with 16-bit unsigned pixels (12 stored). */
    static TestDicom radiograph(String modality, int columns, int rows, int[] stored) {
        TestDicom t = new TestDicom();
        t.meta.bytes(FILE_META_VERSION, "OB", new byte[] {0, 1})
                .text(MEDIA_STORAGE_SOP_CLASS_UID, "UI", "1.2.840.10008.5.1.4.1.1.1.1") // DX for presentation
                .text(MEDIA_STORAGE_SOP_INSTANCE_UID, "UI", "2.25.1")
                .text(IMPLEMENTATION_CLASS_UID, "UI", "2.25.2");
        t.data.text(SOP_CLASS_UID, "UI", "1.2.840.10008.5.1.4.1.1.1.1")
                .text(SOP_INSTANCE_UID, "UI", "2.25.1")
                .text(MODALITY, "CS", modality)
                .text(PATIENT_NAME, "PN", "TEST^PATIENT")
                .uint16(SAMPLES_PER_PIXEL, 1)
                .text(PHOTOMETRIC_INTERPRETATION, "CS", "MONOCHROME2")
                .uint16(ROWS, rows)
                .uint16(COLUMNS, columns);
        t.pixels16(12, false, stored);
        return t;
    }

    /** 16-bit allocated pixels (OW), {@code bitsStored} of them used, as given (already shifted/masked). */
    TestDicom pixels16(int bitsStored, boolean signed, int[] words) {
        data.uint16(BITS_ALLOCATED, 16).uint16(BITS_STORED, bitsStored).uint16(HIGH_BIT, bitsStored - 1)
                .uint16(PIXEL_REPRESENTATION, signed ? 1 : 0)
                .words16(PIXEL_DATA, "OW", words);
        return this;
    }

    /** 8-bit pixels (OB). */
    TestDicom pixels8(byte[] bytes) {
        data.uint16(BITS_ALLOCATED, 8).uint16(BITS_STORED, 8).uint16(HIGH_BIT, 7).uint16(PIXEL_REPRESENTATION, 0)
                .bytes(PIXEL_DATA, "OB", bytes);
        return this;
    }

    TestDicom text(int tag, String vr, String value) {
        data.text(tag, vr, value);
        return this;
    }

    TestDicom syntax(String uid) {
        transferSyntax = uid;
        return this;
    }

    /** The Part 10 bytes in the chosen transfer syntax. */
    byte[] bytes() {
        meta.text(TRANSFER_SYNTAX_UID, "UI", transferSyntax);
        switch (transferSyntax) {
            case TransferSyntax.IMPLICIT_VR_LITTLE_ENDIAN:
                return DicomElements.part10(meta, data, false, false);
            case TransferSyntax.EXPLICIT_VR_BIG_ENDIAN:
                return DicomElements.part10(meta, data, true, true);
            case TransferSyntax.DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: {
                byte[] plain = DicomElements.part10(meta, new DicomElements(), true, false);
                byte[] body = data.encode(true, false);
                Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                deflater.setInput(body);
                deflater.finish();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(plain, 0, plain.length);
                byte[] chunk = new byte[4096];
                while (!deflater.finished()) {
                    int n = deflater.deflate(chunk);
                    out.write(chunk, 0, n);
                }
                deflater.end();
                return out.toByteArray();
            }
            default:
                return DicomElements.part10(meta, data, true, false);
        }
    }

    /**
     * The Part 10 bytes with the pixel data encapsulated as one fragment (as a compressed syntax
     * stores it); the fragment's content is arbitrary bytes standing in for a compressed stream.
     */
    byte[] encapsulatedBytes(String uid) {
        meta.text(TRANSFER_SYNTAX_UID, "UI", uid);
        data.remove(PIXEL_DATA);
        byte[] head = DicomElements.part10(meta, data, true, false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(head, 0, head.length);
        byte[] fragment = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 1, 2, 3, 4};
        writeHeaderOB(out, PIXEL_DATA, 0xFFFFFFFFL);
        writeItem(out, ITEM, 0); // empty Basic Offset Table
        writeItem(out, ITEM, fragment.length);
        out.write(fragment, 0, fragment.length);
        writeItem(out, SEQUENCE_DELIMITATION, 0);
        return out.toByteArray();
    }

    private static void writeHeaderOB(ByteArrayOutputStream out, int tag, long length) {
        le16(out, tag >>> 16);
        le16(out, tag & 0xFFFF);
        out.write('O');
        out.write('B');
        le16(out, 0);
        le32(out, length);
    }

    private static void writeItem(ByteArrayOutputStream out, int tag, long length) {
        le16(out, tag >>> 16);
        le16(out, tag & 0xFFFF);
        le32(out, length);
    }

    private static void le16(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
    }

    private static void le32(ByteArrayOutputStream out, long v) {
        le16(out, (int) (v & 0xFFFF));
        le16(out, (int) (v >>> 16));
    }

    static int[] ramp(int n, int from, int step) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + i * step;
        }
        return v;
    }

    static byte[] cut(byte[] b, int length) {
        return Arrays.copyOf(b, length);
    }
}
