package org.synthray.agent.dicom;

import static org.synthray.agent.dicom.DicomTags.ITEM;
import static org.synthray.agent.dicom.DicomTags.ITEM_DELIMITATION;
import static org.synthray.agent.dicom.DicomTags.PIXEL_DATA;
import static org.synthray.agent.dicom.DicomTags.SEQUENCE_DELIMITATION;
import static org.synthray.agent.dicom.DicomTags.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.synthray.agent.dicom.DicomRejectedException.Code;

/**
 * Parses a DICOM Part 10 file (PS3.10 §7) into its File Meta Information and its data set
 * (PS3.5 §7: explicit and implicit VR, both byte orders, nested sequences of defined and undefined
 * length, encapsulated pixel data). Every length is checked against the bytes that are really
 * there, so arbitrary input ends in a {@link DicomRejectedException}, never in another exception.
 */
final class DicomParser {

    /** PS3.10 §7.1: a 128-byte preamble, then "DICM". */
    static final int PREAMBLE_LENGTH = 128;
    /** Deepest sequence nesting accepted; real radiographs nest two or three levels. */
    static final int MAX_DEPTH = 16;
    /** Largest inflated data set of a deflated file (a bound against deflate bombs). */
    static final int MAX_INFLATED_BYTES = 512 << 20;

    /** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 §7.1.2). */
    private static final Set<String> LONG_VRS =
            Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

    private static final long UNDEFINED = 0xFFFFFFFFL;

    /** A parsed file: its transfer syntax, File Meta Information and top-level data set. */
    record Parsed(TransferSyntax syntax, DicomDataset meta, DicomDataset dataset) {}

    private final byte[] buf;
    private final boolean bigEndian;

    private DicomParser(byte[] buf, boolean bigEndian) {
        this.buf = buf;
        this.bigEndian = bigEndian;
    }

    /** True when the bytes carry the Part 10 marker "DICM" after the 128-byte preamble. */
    static boolean hasPart10Marker(byte[] head, int length) {
        return length >= PREAMBLE_LENGTH + 4
                && head[PREAMBLE_LENGTH] == 'D' && head[PREAMBLE_LENGTH + 1] == 'I'
                && head[PREAMBLE_LENGTH + 2] == 'C' && head[PREAMBLE_LENGTH + 3] == 'M';
    }

    static Parsed parse(byte[] file) throws DicomRejectedException {
        if (!hasPart10Marker(file, file.length)) {
            if (file.length < PREAMBLE_LENGTH + 4) {
                throw new DicomRejectedException(Code.NOT_DICOM, "not a DICOM file: only " + file.length
                        + " bytes, too short for the 128-byte preamble and the DICM marker");
            }
            throw new DicomRejectedException(Code.NOT_DICOM,
                    "not a DICOM Part 10 file: no DICM marker after the 128-byte preamble");
        }
        // File Meta Information: always Explicit VR Little Endian, group 0002 only.
        DicomParser metaParser = new DicomParser(file, false);
        DicomDataset meta = new DicomDataset(file, false);
        int pos = PREAMBLE_LENGTH + 4;
        while (file.length - pos >= 8 && metaParser.u16(pos) == 0x0002) {
            int tag = metaParser.tag(pos);
            pos = metaParser.readElement(meta, tag, pos, file.length, true, 0);
        }
        if (meta.element(DicomTags.TRANSFER_SYNTAX_UID) == null) {
            if (pos == PREAMBLE_LENGTH + 4) {
                throw new DicomRejectedException(Code.MALFORMED,
                        "the DICM marker is not followed by File Meta Information (group 0002)");
            }
            throw new DicomRejectedException(Code.MALFORMED,
                    "the File Meta Information has no Transfer Syntax UID (0002,0010)");
        }
        String uid = meta.string(DicomTags.TRANSFER_SYNTAX_UID);
        TransferSyntax syntax = TransferSyntax.readable(uid);
        if (syntax == null) {
            syntax = TransferSyntax.unreadable(uid);
        }
        if (syntax == null) {
            throw new DicomRejectedException(Code.UNSUPPORTED_TRANSFER_SYNTAX, "unknown transfer syntax "
                    + printable(uid) + ": SynthRay reads Explicit and Implicit VR Little Endian, "
                    + "Deflated Explicit VR Little Endian and Explicit VR Big Endian");
        }
        byte[] body = file;
        int start = pos;
        if (syntax.deflated()) {
            body = inflate(file, pos);
            start = 0;
        }
        DicomParser parser = new DicomParser(body, syntax.bigEndian());
        DicomDataset dataset = new DicomDataset(body, syntax.bigEndian());
        parser.parseTopLevel(dataset, start, syntax.explicitVr());
        return new Parsed(syntax, meta, dataset);
    }

    /** The top level: like an item, but what follows the pixel data may be damaged without loss. */
    private void parseTopLevel(DicomDataset ds, int pos, boolean explicit) throws DicomRejectedException {
        int limit = buf.length;
        while (pos < limit) {
            try {
                if (limit - pos < 8) {
                    throw new DicomRejectedException(Code.TRUNCATED,
                            "truncated file: it ends inside a data element header at byte " + pos);
                }
                int tag = tag(pos);
                if ((tag >>> 16) == 0xFFFE) {
                    throw new DicomRejectedException(Code.MALFORMED,
                            "malformed data set: " + format(tag) + " outside a sequence at byte " + pos);
                }
                pos = readElement(ds, tag, pos, limit, explicit, 0);
            } catch (DicomRejectedException e) {
                if (ds.contains(PIXEL_DATA)) {
                    return; // trailing padding or damage after the image: the image itself is whole
                }
                throw e;
            }
        }
    }

    /** Reads the elements of one item until its end ({@code limit}) or its Item Delimitation. */
    private int parseItem(DicomDataset ds, int pos, int limit, boolean explicit, boolean undefinedLength,
            int depth) throws DicomRejectedException {
        while (true) {
            if (!undefinedLength && pos == limit) {
                return pos;
            }
            if (limit - pos < 8) {
                throw overrun("a sequence item", pos, limit);
            }
            int tag = tag(pos);
            if (tag == ITEM_DELIMITATION && undefinedLength) {
                return pos + 8;
            }
            if ((tag >>> 16) == 0xFFFE) {
                throw new DicomRejectedException(Code.MALFORMED,
                        "malformed sequence: unexpected " + format(tag) + " at byte " + pos);
            }
            pos = readElement(ds, tag, pos, limit, explicit, depth);
        }
    }

    /** Reads one element at {@code pos} into {@code ds}; returns the position after it. */
    private int readElement(DicomDataset ds, int tag, int pos, int limit, boolean explicit, int depth)
            throws DicomRejectedException {
        String vr;
        long length;
        int header;
        if (explicit) {
            int a = buf[pos + 4] & 0xFF;
            int b = buf[pos + 5] & 0xFF;
            if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') {
                throw new DicomRejectedException(Code.MALFORMED, "malformed data set: element " + format(tag)
                        + " at byte " + pos + " has no valid value representation");
            }
            vr = new String(new byte[] {(byte) a, (byte) b}, StandardCharsets.US_ASCII);
            if (LONG_VRS.contains(vr)) {
                if (limit - pos < 12) {
                    throw overrun("the header of element " + format(tag), pos, limit);
                }
                length = u32(pos + 8);
                header = 12;
            } else {
                length = u16(pos + 6);
                header = 8;
            }
        } else {
            vr = DicomTags.implicitVr(tag);
            length = u32(pos + 4);
            header = 8;
        }
        int value = pos + header;
        if (length == UNDEFINED) {
            if (tag == PIXEL_DATA) {
                int end = skipFragments(value, limit);
                ds.put(new DicomDataset.Element(tag, vr, value, -1, null));
                return end;
            }
            if (vr.equals("SQ") || vr.equals("UN") || !explicit) {
                // An undefined-length UN is a sequence encoded in Implicit VR Little Endian (PS3.5 §6.2.2).
                boolean itemsExplicit = explicit && vr.equals("SQ");
                List<DicomDataset> items = new ArrayList<>();
                int end = parseItems(items, value, limit, true, itemsExplicit, depth + 1);
                ds.put(new DicomDataset.Element(tag, "SQ", value, -1, items));
                return end;
            }
            throw new DicomRejectedException(Code.MALFORMED, "malformed data set: element " + format(tag)
                    + " (" + vr + ") has an undefined length");
        }
        if (length > limit - value) {
            throw overrun(describe(tag) + ", which declares " + length + " bytes", value, limit);
        }
        int len = (int) length;
        List<DicomDataset> items = null;
        if (vr.equals("SQ")) {
            items = new ArrayList<>();
            parseItems(items, value, value + len, false, explicit, depth + 1);
        }
        ds.put(new DicomDataset.Element(tag, vr, value, len, items));
        return value + len;
    }

    private int parseItems(List<DicomDataset> items, int pos, int limit, boolean undefinedLength, boolean explicit,
            int depth) throws DicomRejectedException {
        if (depth > MAX_DEPTH) {
            throw new DicomRejectedException(Code.MALFORMED,
                    "malformed data set: sequences nested deeper than " + MAX_DEPTH + " levels");
        }
        while (true) {
            if (!undefinedLength && pos == limit) {
                return pos;
            }
            if (limit - pos < 8) {
                throw overrun("a sequence", pos, limit);
            }
            int tag = tag(pos);
            long length = u32(pos + 4);
            if (tag == SEQUENCE_DELIMITATION && undefinedLength) {
                return pos + 8;
            }
            if (tag != ITEM) {
                throw new DicomRejectedException(Code.MALFORMED,
                        "malformed sequence: expected an item at byte " + pos + " but found " + format(tag));
            }
            DicomDataset item = new DicomDataset(buf, bigEndian);
            if (length == UNDEFINED) {
                pos = parseItem(item, pos + 8, limit, explicit, true, depth);
            } else {
                if (length > limit - (pos + 8)) {
                    throw overrun("a sequence item of " + length + " bytes", pos + 8, limit);
                }
                int end = pos + 8 + (int) length;
                parseItem(item, pos + 8, end, explicit, false, depth);
                pos = end;
            }
            items.add(item);
        }
    }

    /** Skips the fragments of encapsulated pixel data (PS3.5 §A.4); returns the position after them. */
    private int skipFragments(int pos, int limit) throws DicomRejectedException {
        while (true) {
            if (limit - pos < 8) {
                throw overrun("the encapsulated Pixel Data (7FE0,0010)", pos, limit);
            }
            int tag = tag(pos);
            long length = u32(pos + 4);
            if (tag == SEQUENCE_DELIMITATION) {
                return pos + 8;
            }
            if (tag != ITEM || length == UNDEFINED) {
                throw new DicomRejectedException(Code.MALFORMED,
                        "malformed encapsulated Pixel Data: expected a fragment at byte " + pos);
            }
            if (length > limit - (pos + 8)) {
                throw overrun("a Pixel Data fragment of " + length + " bytes", pos + 8, limit);
            }
            pos += 8 + (int) length;
        }
    }

    /** Running past the end of the file is truncation; past the end of an enclosing item, malformation. */
    private DicomRejectedException overrun(String what, int pos, int limit) {
        if (limit == buf.length) {
            return new DicomRejectedException(Code.TRUNCATED, "truncated file: it ends inside " + what
                    + " (" + Math.max(0, limit - pos) + " bytes left at byte " + pos + ")");
        }
        return new DicomRejectedException(Code.MALFORMED,
                "malformed data set: " + what + " runs past the end of its enclosing item at byte " + limit);
    }

    private static String describe(int tag) {
        return tag == PIXEL_DATA ? "Pixel Data (7FE0,0010)" : "element " + format(tag);
    }

    private static byte[] inflate(byte[] file, int pos) throws DicomRejectedException {
        Inflater inflater = new Inflater(true); // PS3.5 §A.5: raw deflate, no zlib header
        try {
            inflater.setInput(file, pos, file.length - pos);
            byte[] out = new byte[Math.max(1024, Math.min(MAX_INFLATED_BYTES, (file.length - pos) * 4))];
            int size = 0;
            while (!inflater.finished()) {
                if (size == out.length) {
                    if (out.length >= MAX_INFLATED_BYTES) {
                        throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE,
                                "the deflated data set inflates to more than 512 MiB");
                    }
                    out = Arrays.copyOf(out, (int) Math.min(MAX_INFLATED_BYTES, 2L * out.length));
                }
                int n = inflater.inflate(out, size, out.length - size);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DicomRejectedException(Code.TRUNCATED,
                            "truncated file: the deflated data set ends early");
                }
                size += n;
            }
            return Arrays.copyOf(out, size);
        } catch (DataFormatException e) {
            throw new DicomRejectedException(Code.MALFORMED,
                    "malformed file: the deflated data set is not valid deflate data");
        } finally {
            inflater.end();
        }
    }

    static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }

    private int tag(int at) {
        return (u16(at) << 16) | u16(at + 2);
    }

    private int u16(int at) {
        int b0 = buf[at] & 0xFF;
        int b1 = buf[at + 1] & 0xFF;
        return bigEndian ? (b0 << 8) | b1 : (b1 << 8) | b0;
    }

    private long u32(int at) {
        long lo = u16(at);
        long hi = u16(at + 2);
        return bigEndian ? (lo << 16) | hi : (hi << 16) | lo;
    }
}
