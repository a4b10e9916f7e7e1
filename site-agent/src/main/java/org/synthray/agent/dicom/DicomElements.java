package org.synthray.agent.dicom;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Data elements to encode, kept in ascending tag order whatever the order they were set in
 * (PS3.5 §7.1), with values padded to even lengths as each value representation requires.
 */
final class DicomElements {

    private static final Set<String> LONG_VRS =
            Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");
    private static final long UNDEFINED = 0xFFFFFFFFL;

    /** One element: text or raw bytes ({@code bytes}), 16-bit words, 32-bit words or sequence items. */
    private record Entry(int tag, String vr, byte[] bytes, int[] words16, long[] words32, List<DicomElements> items,
            boolean undefinedLength) {}

    private final TreeMap<Integer, Entry> entries = new TreeMap<>(Integer::compareUnsigned);

    /** A text value (AE, AS, CS, DA, DS, IS, LO, LT, PN, SH, ST, TM, UI, UT ...), UTF-8; null writes it empty. */
    DicomElements text(int tag, String vr, String value) {
        byte[] b = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        entries.put(tag, new Entry(tag, vr, b, null, null, null, false));
        return this;
    }

    /** US (or SS, as the bit pattern) values. */
    DicomElements uint16(int tag, int... values) {
        return words16(tag, "US", values);
    }

    /** 16-bit words under any VR (US, SS, OW); they follow the file's byte order. */
    DicomElements words16(int tag, String vr, int... values) {
        entries.put(tag, new Entry(tag, vr, null, values.clone(), null, null, false));
        return this;
    }

    /** UL values. */
    DicomElements uint32(int tag, long... values) {
        entries.put(tag, new Entry(tag, "UL", null, null, values.clone(), null, false));
        return this;
    }

    /** Bytes kept as they are (OB, or any VR when building unusual test files). */
    DicomElements bytes(int tag, String vr, byte[] value) {
        entries.put(tag, new Entry(tag, vr, value.clone(), null, null, null, false));
        return this;
    }

    /** A sequence of items, each item of defined length unless {@code undefinedLength}. */
    DicomElements sequence(int tag, boolean undefinedLength, List<DicomElements> items) {
        entries.put(tag, new Entry(tag, "SQ", null, null, null, List.copyOf(items), undefinedLength));
        return this;
    }

    DicomElements remove(int tag) {
        entries.remove(tag);
        return this;
    }

    /** The encoded elements, in ascending tag order. */
    byte[] encode(boolean explicitVr, boolean bigEndian) {
        Out out = new Out(bigEndian);
        for (Entry e : entries.values()) {
            writeEntry(out, e, explicitVr);
        }
        return out.toByteArray();
    }

    /**
     * A Part 10 file: 128-byte zero preamble, "DICM", the File Meta Information (explicit VR little
     * endian, with its group length computed here) and the data set in the given encoding.
     */
    static byte[] part10(DicomElements meta, DicomElements dataset, boolean explicitVr, boolean bigEndian) {
        DicomElements m = new DicomElements();
        m.entries.putAll(meta.entries);
        m.entries.remove(DicomTags.FILE_META_GROUP_LENGTH);
        byte[] metaBytes = m.encode(true, false);
        m.uint32(DicomTags.FILE_META_GROUP_LENGTH, metaBytes.length);
        byte[] metaWithLength = m.encode(true, false);
        byte[] data = dataset.encode(explicitVr, bigEndian);
        ByteArrayOutputStream file = new ByteArrayOutputStream(132 + metaWithLength.length + data.length);
        file.write(new byte[DicomParser.PREAMBLE_LENGTH], 0, DicomParser.PREAMBLE_LENGTH);
        file.write('D');
        file.write('I');
        file.write('C');
        file.write('M');
        file.write(metaWithLength, 0, metaWithLength.length);
        file.write(data, 0, data.length);
        return file.toByteArray();
    }

    private static void writeEntry(Out out, Entry e, boolean explicitVr) {
        if (e.items() != null) {
            Out body = new Out(out.bigEndian);
            for (DicomElements item : e.items()) {
                byte[] itemBytes = item.encode(explicitVr, out.bigEndian);
                body.tag(DicomTags.ITEM);
                body.u32(e.undefinedLength() ? UNDEFINED : itemBytes.length);
                body.writeAll(itemBytes);
                if (e.undefinedLength()) {
                    body.tag(DicomTags.ITEM_DELIMITATION);
                    body.u32(0);
                }
            }
            if (e.undefinedLength()) {
                body.tag(DicomTags.SEQUENCE_DELIMITATION);
                body.u32(0);
            }
            byte[] value = body.toByteArray();
            header(out, e.tag(), "SQ", e.undefinedLength() ? UNDEFINED : value.length, explicitVr);
            out.writeAll(value);
            return;
        }
        byte[] value;
        if (e.words16() != null) {
            Out v = new Out(out.bigEndian);
            for (int w : e.words16()) {
                v.u16(w);
            }
            value = v.toByteArray();
        } else if (e.words32() != null) {
            Out v = new Out(out.bigEndian);
            for (long w : e.words32()) {
                v.u32(w);
            }
            value = v.toByteArray();
        } else {
            value = e.bytes();
        }
        boolean pad = (value.length & 1) != 0;
        header(out, e.tag(), e.vr(), value.length + (pad ? 1 : 0), explicitVr);
        out.writeAll(value);
        if (pad) {
            // UI and binary values pad with NUL, text with a space (PS3.5 §6.2)
            out.write(e.vr().equals("UI") || e.vr().equals("OB") || e.vr().equals("UN") ? 0 : ' ');
        }
    }

    private static void header(Out out, int tag, String vr, long length, boolean explicitVr) {
        out.tag(tag);
        if (!explicitVr) {
            out.u32(length);
            return;
        }
        out.write(vr.charAt(0));
        out.write(vr.charAt(1));
        if (LONG_VRS.contains(vr)) {
            out.u16(0);
            out.u32(length);
        } else {
            if (length > 0xFFFF) {
                throw new IllegalArgumentException(DicomTags.format(tag) + " " + vr + " value of " + length
                        + " bytes is longer than its 16-bit length allows");
            }
            out.u16((int) length);
        }
    }

    /** A growing byte buffer writing 16- and 32-bit values in one byte order. */
    private static final class Out extends ByteArrayOutputStream {
        final boolean bigEndian;

        Out(boolean bigEndian) {
            this.bigEndian = bigEndian;
        }

        void writeAll(byte[] b) {
            write(b, 0, b.length);
        }

        void tag(int tag) {
            u16(tag >>> 16);
            u16(tag & 0xFFFF);
        }

        void u16(int v) {
            if (bigEndian) {
                write((v >>> 8) & 0xFF);
                write(v & 0xFF);
            } else {
                write(v & 0xFF);
                write((v >>> 8) & 0xFF);
            }
        }

        void u32(long v) {
            if (bigEndian) {
                u16((int) (v >>> 16));
                u16((int) v);
            } else {
                u16((int) v);
                u16((int) (v >>> 16));
            }
        }
    }
}
