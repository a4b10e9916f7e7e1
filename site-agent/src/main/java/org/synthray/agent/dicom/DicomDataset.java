package org.synthray.agent.dicom;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The elements of one parsed data set (the top level or one sequence item). Values stay where they
 * are in the file's bytes; nothing is copied until asked for.
 */
final class DicomDataset {

    /** One data element; {@code length} is -1 for an undefined length (sequences, encapsulated pixels). */
    record Element(int tag, String vr, int offset, int length, List<DicomDataset> items) {}

    private final byte[] buf;
    private final boolean bigEndian;
    private final Map<Integer, Element> elements = new LinkedHashMap<>();

    DicomDataset(byte[] buf, boolean bigEndian) {
        this.buf = buf;
        this.bigEndian = bigEndian;
    }

    void put(Element e) {
        // The first occurrence wins: a repeated tag is malformed, and the first is what most readers use.
        elements.putIfAbsent(e.tag(), e);
    }

    byte[] buffer() {
        return buf;
    }

    boolean bigEndian() {
        return bigEndian;
    }

    boolean contains(int tag) {
        return elements.containsKey(tag);
    }

    Element element(int tag) {
        return elements.get(tag);
    }

    /** The items of a sequence, empty when absent. */
    List<DicomDataset> items(int tag) {
        Element e = elements.get(tag);
        return e == null || e.items() == null ? List.of() : Collections.unmodifiableList(e.items());
    }

    /**
     * A text value, trimmed of the padding DICOM allows (spaces, NUL), or null when absent. Text is
     * read as ISO-8859-1, which keeps every byte and reads the ASCII that coded values use exactly.
     */
    String string(int tag) {
        Element e = elements.get(tag);
        if (e == null || e.length() < 0) {
            return null;
        }
        return trim(new String(buf, e.offset(), e.length(), StandardCharsets.ISO_8859_1));
    }

    /** A multi-valued text value split at backslashes, each trimmed; empty when absent or empty. */
    List<String> strings(int tag) {
        String s = string(tag);
        List<String> out = new ArrayList<>();
        if (s == null || s.isEmpty()) {
            return out;
        }
        for (String part : s.split("\\\\", -1)) {
            out.add(trim(part));
        }
        return out;
    }

    /** The first 16-bit unsigned value of a US element, or {@code fallback} when absent or empty. */
    int uint16(int tag, int fallback) {
        Element e = elements.get(tag);
        if (e == null || e.length() < 2) {
            return fallback;
        }
        return u16(e.offset());
    }

    /** The 16-bit unsigned values of a US/SS/OW element. */
    int[] uint16s(int tag) {
        Element e = elements.get(tag);
        if (e == null || e.length() < 2) {
            return new int[0];
        }
        int[] out = new int[e.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = u16(e.offset() + 2 * i);
        }
        return out;
    }

    int u16(int at) {
        int b0 = buf[at] & 0xFF;
        int b1 = buf[at + 1] & 0xFF;
        return bigEndian ? (b0 << 8) | b1 : (b1 << 8) | b0;
    }

    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPad(s.charAt(start))) {
            start++;
        }
        while (end > start && isPad(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean isPad(char c) {
        return c == ' ' || c == '\0';
    }
}
