package org.synthray.agent.dicom;

import java.util.Map;

/** What a Transfer Syntax UID means for reading: byte order, VR encoding, and whether it is supported. */
record TransferSyntax(String uid, String name, boolean bigEndian, boolean explicitVr, boolean deflated,
        boolean compressed) {

    static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
    static final String DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99";
    static final String EXPLICIT_VR_BIG_ENDIAN = "1.2.840.10008.1.2.2";

    /** The syntaxes whose pixels SynthRay reads. */
    private static final Map<String, TransferSyntax> READABLE = Map.of(
            IMPLICIT_VR_LITTLE_ENDIAN,
            new TransferSyntax(IMPLICIT_VR_LITTLE_ENDIAN, "Implicit VR Little Endian", false, false, false, false),
            EXPLICIT_VR_LITTLE_ENDIAN,
            new TransferSyntax(EXPLICIT_VR_LITTLE_ENDIAN, "Explicit VR Little Endian", false, true, false, false),
            DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
            new TransferSyntax(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, "Deflated Explicit VR Little Endian", false, true,
                    true, false),
            EXPLICIT_VR_BIG_ENDIAN,
            new TransferSyntax(EXPLICIT_VR_BIG_ENDIAN, "Explicit VR Big Endian", true, true, false, false));

    /** Registered syntaxes with compressed or encapsulated pixel data (DICOM PS3.6 Annex A), by name. */
    private static final Map<String, String> ENCAPSULATED = Map.ofEntries(
            Map.entry("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian"),
            Map.entry("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
            Map.entry("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
            Map.entry("1.2.840.10008.1.2.4.52", "JPEG Extended (Process 3 & 5)"),
            Map.entry("1.2.840.10008.1.2.4.53", "JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)"),
            Map.entry("1.2.840.10008.1.2.4.54", "JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9)"),
            Map.entry("1.2.840.10008.1.2.4.55", "JPEG Full Progression, Non-Hierarchical (Process 10 & 12)"),
            Map.entry("1.2.840.10008.1.2.4.56", "JPEG Full Progression, Non-Hierarchical (Process 11 & 13)"),
            Map.entry("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)"),
            Map.entry("1.2.840.10008.1.2.4.58", "JPEG Lossless, Non-Hierarchical (Process 15)"),
            Map.entry("1.2.840.10008.1.2.4.59", "JPEG Extended, Hierarchical (Process 16 & 18)"),
            Map.entry("1.2.840.10008.1.2.4.60", "JPEG Extended, Hierarchical (Process 17 & 19)"),
            Map.entry("1.2.840.10008.1.2.4.61", "JPEG Spectral Selection, Hierarchical (Process 20 & 22)"),
            Map.entry("1.2.840.10008.1.2.4.62", "JPEG Spectral Selection, Hierarchical (Process 21 & 23)"),
            Map.entry("1.2.840.10008.1.2.4.63", "JPEG Full Progression, Hierarchical (Process 24 & 26)"),
            Map.entry("1.2.840.10008.1.2.4.64", "JPEG Full Progression, Hierarchical (Process 25 & 27)"),
            Map.entry("1.2.840.10008.1.2.4.65", "JPEG Lossless, Hierarchical (Process 28)"),
            Map.entry("1.2.840.10008.1.2.4.66", "JPEG Lossless, Hierarchical (Process 29)"),
            Map.entry("1.2.840.10008.1.2.4.70",
                    "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])"),
            Map.entry("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
            Map.entry("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)"),
            Map.entry("1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)"),
            Map.entry("1.2.840.10008.1.2.4.91", "JPEG 2000"),
            Map.entry("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)"),
            Map.entry("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component"),
            Map.entry("1.2.840.10008.1.2.4.94", "JPIP Referenced"),
            Map.entry("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate"),
            Map.entry("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
            Map.entry("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
            Map.entry("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
            Map.entry("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
            Map.entry("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video"),
            Map.entry("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video"),
            Map.entry("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2"),
            Map.entry("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1"),
            Map.entry("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1"),
            Map.entry("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
            Map.entry("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression"),
            Map.entry("1.2.840.10008.1.2.4.112", "JPEG XL"),
            Map.entry("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)"),
            Map.entry("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)"),
            Map.entry("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
            Map.entry("1.2.840.10008.1.2.5", "RLE Lossless"));

    /** The syntax to parse a file with, or null when its UID is not one of {@link #READABLE}. */
    static TransferSyntax readable(String uid) {
        return READABLE.get(uid);
    }

    /**
     * How a syntax SynthRay does not read is named to the user; compressed ones are parsed (their
     * header is still plain DICOM) so the modality can be checked first, then refused.
     */
    static TransferSyntax unreadable(String uid) {
        String name = ENCAPSULATED.get(uid);
        if (name != null) {
            return new TransferSyntax(uid, name, false, true, false, true);
        }
        return null;
    }
}
