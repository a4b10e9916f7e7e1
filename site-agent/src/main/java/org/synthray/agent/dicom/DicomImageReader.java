package org.synthray.agent.dicom;

import static org.synthray.agent.dicom.DicomTags.BITS_ALLOCATED;
import static org.synthray.agent.dicom.DicomTags.BITS_STORED;
import static org.synthray.agent.dicom.DicomTags.COLUMNS;
import static org.synthray.agent.dicom.DicomTags.HIGH_BIT;
import static org.synthray.agent.dicom.DicomTags.LUT_DATA;
import static org.synthray.agent.dicom.DicomTags.LUT_DESCRIPTOR;
import static org.synthray.agent.dicom.DicomTags.MODALITY;
import static org.synthray.agent.dicom.DicomTags.MODALITY_LUT_SEQUENCE;
import static org.synthray.agent.dicom.DicomTags.NUMBER_OF_FRAMES;
import static org.synthray.agent.dicom.DicomTags.PHOTOMETRIC_INTERPRETATION;
import static org.synthray.agent.dicom.DicomTags.PIXEL_DATA;
import static org.synthray.agent.dicom.DicomTags.PIXEL_REPRESENTATION;
import static org.synthray.agent.dicom.DicomTags.RESCALE_INTERCEPT;
import static org.synthray.agent.dicom.DicomTags.RESCALE_SLOPE;
import static org.synthray.agent.dicom.DicomTags.ROWS;
import static org.synthray.agent.dicom.DicomTags.SAMPLES_PER_PIXEL;
import static org.synthray.agent.dicom.DicomTags.VOI_LUT_FUNCTION;
import static org.synthray.agent.dicom.DicomTags.VOI_LUT_SEQUENCE;
import static org.synthray.agent.dicom.DicomTags.WINDOW_CENTER;
import static org.synthray.agent.dicom.DicomTags.WINDOW_WIDTH;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.synthray.agent.dicom.DicomRejectedException.Code;

/**
 * Reads a radiograph from an uncompressed DICOM Part 10 file into grey values in [0, 1], as a viewer
 * would show it: stored values are masked to Bits Stored (two's complement when Pixel
 * Representation is 1), rescaled by Rescale Slope/Intercept (or the Modality LUT), mapped through
 * the first Window Center/Width (or the VOI LUT, or else the image's own value range) and inverted
 * when the Photometric Interpretation is MONOCHROME1.
 *
 * <p>Every file it will not use ends in a {@link DicomRejectedException} with the reason: compressed
 * transfer syntaxes (named), modalities other than radiographs (named), no pixel data, truncated or
 * malformed files, multi-frame and colour images. Arbitrary bytes never raise anything else. An
 * instance holds no state between calls and may be shared by loader threads.
 */
public final class DicomImageReader {

    /** Radiograph modalities read by default: computed and digital radiography (DR is a common non-standard code). */
    public static final Set<String> RADIOGRAPH_MODALITIES = Set.of("CR", "DX", "DR", "RG");

    /** Largest file read (a chest radiograph is rarely above 50 MB). */
    public static final long MAX_FILE_BYTES = 512L << 20;

    /** Largest image read, in pixels (8192 x 8192). */
    public static final long MAX_PIXELS = 8192L * 8192L;

    private static final Map<String, String> MODALITY_NAMES = Map.ofEntries(
            Map.entry("CT", "computed tomography"), Map.entry("MR", "magnetic resonance"),
            Map.entry("US", "ultrasound"), Map.entry("NM", "nuclear medicine"),
            Map.entry("PT", "positron emission tomography"), Map.entry("MG", "mammography"),
            Map.entry("XA", "X-ray angiography"), Map.entry("RF", "radiofluoroscopy"),
            Map.entry("OT", "other"), Map.entry("SR", "structured report"),
            Map.entry("PR", "presentation state"), Map.entry("KO", "key object selection"),
            Map.entry("DOC", "document"), Map.entry("ECG", "electrocardiography"),
            Map.entry("IO", "intra-oral radiography"), Map.entry("PX", "panoramic X-ray"),
            Map.entry("OP", "ophthalmic photography"), Map.entry("XC", "external-camera photography"),
            Map.entry("ES", "endoscopy"), Map.entry("SEG", "segmentation"), Map.entry("SM", "slide microscopy"),
            Map.entry("RTIMAGE", "radiotherapy image"), Map.entry("RTDOSE", "radiotherapy dose"),
            Map.entry("RTSTRUCT", "radiotherapy structure set"), Map.entry("RTPLAN", "radiotherapy plan"));

    private final Set<String> acceptedModalities;

    /** A reader of chest radiographs: modalities {@link #RADIOGRAPH_MODALITIES}. */
    public DicomImageReader() {
        this(RADIOGRAPH_MODALITIES);
    }

    /**
     * A reader that accepts the given modalities (for example {@code OT} to read SynthRay's own
     * Secondary Capture output back).
     */
    public DicomImageReader(Set<String> acceptedModalities) {
        if (acceptedModalities.isEmpty()) {
            throw new IllegalArgumentException("at least one modality must be accepted");
        }
        Set<String> upper = new TreeSet<>();
        for (String m : acceptedModalities) {
            upper.add(m.trim().toUpperCase(Locale.ROOT));
        }
        this.acceptedModalities = Set.copyOf(upper);
    }

    public Set<String> acceptedModalities() {
        return acceptedModalities;
    }

    /**
     * Whether a loader should hand this file to a DICOM reader rather than to ImageIO: its name ends
     * in {@code .dcm} or {@code .dicom}, or it carries the Part 10 marker {@code DICM} after the
     * 128-byte preamble (many archives name files by UID, without a suffix). Reads at most 132 bytes.
     */
    public static boolean isDicom(Path file) throws IOException {
        Path name = file.getFileName();
        if (name != null) {
            String n = name.toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".dcm") || n.endsWith(".dicom")) {
                return true;
            }
        }
        if (!Files.isRegularFile(file)) {
            return false;
        }
        byte[] head = new byte[DicomParser.PREAMBLE_LENGTH + 4];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        }
        return DicomParser.hasPart10Marker(head, n);
    }

    /** Whether these bytes (a file's start) carry the Part 10 marker {@code DICM} at byte 128. */
    public static boolean isDicom(byte[] head) {
        return DicomParser.hasPart10Marker(head, head.length);
    }

    /**
     * Reads the radiograph in a file.
     *
     * @throws DicomRejectedException the file is not one SynthRay uses, with the reason
     * @throws IOException the file could not be read at all (missing, no permission)
     */
    public DicomImage read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE,
                    "file of " + size + " bytes: SynthRay reads DICOM files up to 512 MiB");
        }
        return read(Files.readAllBytes(file));
    }

    /** Reads the radiograph in a file's bytes. */
    public DicomImage read(byte[] file) throws DicomRejectedException {
        try {
            return decode(DicomParser.parse(file));
        } catch (DicomRejectedException e) {
            throw e;
        } catch (RuntimeException e) {
            // A check missed somewhere must not crash a loader: report the file as malformed.
            throw new DicomRejectedException(Code.MALFORMED, "malformed DICOM file (" + e + ")");
        }
    }

    private DicomImage decode(DicomParser.Parsed parsed) throws DicomRejectedException {
        DicomDataset ds = parsed.dataset();

        String modality = upper(ds.string(MODALITY));
        if (modality == null || modality.isEmpty()) {
            throw new DicomRejectedException(Code.MODALITY,
                    "no Modality (0008,0060): cannot tell whether this is a radiograph");
        }
        if (!acceptedModalities.contains(modality)) {
            String name = MODALITY_NAMES.get(modality);
            throw new DicomRejectedException(Code.MODALITY, "modality " + DicomParser.printable(modality)
                    + (name == null ? "" : " (" + name + ")") + " is not a radiograph: SynthRay reads "
                    + String.join(", ", new TreeSet<>(acceptedModalities)));
        }

        TransferSyntax syntax = parsed.syntax();
        if (syntax.compressed()) {
            throw new DicomRejectedException(Code.COMPRESSED, "compressed pixel data: " + syntax.name() + " ("
                    + syntax.uid() + ") is not decoded by SynthRay; export the image uncompressed "
                    + "(Explicit VR Little Endian), for example with gdcmconv --raw");
        }

        DicomDataset.Element pixelData = ds.element(PIXEL_DATA);
        if (pixelData == null) {
            if (ds.contains(DicomTags.FLOAT_PIXEL_DATA) || ds.contains(DicomTags.DOUBLE_FLOAT_PIXEL_DATA)) {
                throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE,
                        "floating-point pixel data: SynthRay reads integer radiographs");
            }
            throw new DicomRejectedException(Code.NO_PIXEL_DATA,
                    "no Pixel Data (7FE0,0010): the file holds no image");
        }
        if (pixelData.length() < 0) {
            throw new DicomRejectedException(Code.MALFORMED,
                    "malformed file: encapsulated Pixel Data in the uncompressed " + syntax.name());
        }

        int samples = ds.uint16(SAMPLES_PER_PIXEL, 1);
        String photometric = upper(ds.string(PHOTOMETRIC_INTERPRETATION));
        if (photometric == null || photometric.isEmpty()) {
            throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE,
                    "no Photometric Interpretation (0028,0004): cannot tell whether high values are white or black");
        }
        if (samples != 1 || !(photometric.equals("MONOCHROME1") || photometric.equals("MONOCHROME2"))) {
            throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE, "not a greyscale image (Photometric "
                    + "Interpretation " + DicomParser.printable(photometric) + ", " + samples
                    + " samples per pixel): SynthRay reads MONOCHROME1 and MONOCHROME2 radiographs");
        }

        int frames = 1;
        String framesText = ds.string(NUMBER_OF_FRAMES);
        if (framesText != null && !framesText.isEmpty()) {
            try {
                frames = Integer.parseInt(framesText.startsWith("+") ? framesText.substring(1) : framesText);
            } catch (NumberFormatException e) {
                throw new DicomRejectedException(Code.MALFORMED,
                        "Number of Frames (0028,0008) is not a number: " + DicomParser.printable(framesText));
            }
        }
        if (frames > 1) {
            throw new DicomRejectedException(Code.MULTI_FRAME, "multi-frame image (" + frames
                    + " frames): SynthRay reads single radiographs; split the frames into separate files first");
        }

        int rows = ds.uint16(ROWS, 0);
        int columns = ds.uint16(COLUMNS, 0);
        if (rows == 0 || columns == 0) {
            throw new DicomRejectedException(Code.MALFORMED,
                    "no image size: Rows (0028,0010) and Columns (0028,0011) must both be present and above 0");
        }
        long count = (long) rows * columns;
        if (count > MAX_PIXELS) {
            throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE,
                    "image of " + columns + "x" + rows + " pixels: SynthRay reads up to 8192x8192");
        }

        int bitsAllocated = ds.uint16(BITS_ALLOCATED, 0);
        if (bitsAllocated != 8 && bitsAllocated != 16 && bitsAllocated != 32) {
            throw new DicomRejectedException(Code.UNSUPPORTED_IMAGE, "Bits Allocated (0028,0100) "
                    + (bitsAllocated == 0 ? "missing" : "is " + bitsAllocated) + ": SynthRay reads 8, 16 and 32");
        }
        int bitsStored = ds.uint16(BITS_STORED, bitsAllocated);
        int highBit = ds.uint16(HIGH_BIT, bitsStored - 1);
        if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
            throw new DicomRejectedException(Code.MALFORMED, "inconsistent pixel layout: Bits Allocated "
                    + bitsAllocated + ", Bits Stored " + bitsStored + ", High Bit " + highBit);
        }
        int pixelRepresentation = ds.uint16(PIXEL_REPRESENTATION, 0);
        if (pixelRepresentation != 0 && pixelRepresentation != 1) {
            throw new DicomRejectedException(Code.MALFORMED,
                    "Pixel Representation (0028,0103) is " + pixelRepresentation + ", not 0 or 1");
        }
        boolean signed = pixelRepresentation == 1;
        long needed = count * (bitsAllocated / 8);
        if (pixelData.length() < needed) {
            throw new DicomRejectedException(Code.MALFORMED, "Pixel Data holds " + pixelData.length()
                    + " bytes but " + columns + "x" + rows + " pixels of " + bitsAllocated + " bits need " + needed);
        }

        // Stored values, then modality values (rescale or Modality LUT).
        float[] values = new float[(int) count];
        storedValues(ds, pixelData, values, bitsAllocated, bitsStored, highBit, signed);
        boolean[] padding = padding(ds, values, signed);

        double slope = decimal(ds, RESCALE_SLOPE, 1.0);
        double intercept = decimal(ds, RESCALE_INTERCEPT, 0.0);
        if (slope == 0.0) {
            throw new DicomRejectedException(Code.MALFORMED, "Rescale Slope (0028,1053) is 0");
        }
        List<DicomDataset> modalityLut = ds.items(MODALITY_LUT_SEQUENCE);
        if (!ds.contains(RESCALE_SLOPE) && !ds.contains(RESCALE_INTERCEPT) && !modalityLut.isEmpty()) {
            Lut lut = Lut.of(modalityLut.get(0), signed);
            if (lut == null) {
                throw new DicomRejectedException(Code.MALFORMED, "malformed Modality LUT Sequence (0028,3000)");
            }
            for (int i = 0; i < values.length; i++) {
                values[i] = lut.entry(values[i]);
            }
        } else if (slope != 1.0 || intercept != 0.0) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (values[i] * slope + intercept);
            }
        }

        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new DicomRejectedException(Code.MALFORMED, "Rescale Slope " + slope + " and Intercept "
                        + intercept + " take pixel values out of range");
            }
        }

        // VOI: the first window, else the first VOI LUT, else the image's range.
        DicomImage.Voi voi;
        double center = Double.NaN;
        double width = Double.NaN;
        Window window = Window.of(ds);
        Lut voiLut = null;
        if (window == null) {
            List<DicomDataset> voiLuts = ds.items(VOI_LUT_SEQUENCE);
            voiLut = voiLuts.isEmpty() ? null : Lut.of(voiLuts.get(0), signed);
        }
        if (window != null) {
            voi = DicomImage.Voi.WINDOW;
            center = window.center;
            width = window.width;
            for (int i = 0; i < values.length; i++) {
                values[i] = window.apply(values[i]);
            }
        } else if (voiLut != null) {
            voi = DicomImage.Voi.VOI_LUT;
            double max = (1 << voiLut.bits) - 1;
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.min(1.0, voiLut.entry(values[i]) / max);
            }
        } else {
            voi = DicomImage.Voi.PIXEL_RANGE;
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < values.length; i++) {
                if (padding == null || !padding[i]) {
                    min = Math.min(min, values[i]);
                    max = Math.max(max, values[i]);
                }
            }
            if (min > max) { // every pixel is padding
                min = 0;
                max = 0;
            }
            center = ((double) min + max) / 2;
            width = (double) max - min;
            float range = max - min;
            for (int i = 0; i < values.length; i++) {
                values[i] = range > 0 ? Math.max(0f, Math.min(1f, (values[i] - min) / range)) : 0f;
            }
        }

        if (photometric.equals("MONOCHROME1")) {
            for (int i = 0; i < values.length; i++) {
                values[i] = 1f - values[i];
            }
        }
        return new DicomImage(columns, rows, values, modality, photometric, bitsAllocated, bitsStored, signed,
                slope, intercept, voi, center, width, syntax.uid());
    }

    /** Masks each stored value to its bits (PS3.5 §8.1.1) and sign-extends it when signed. */
    private static void storedValues(DicomDataset ds, DicomDataset.Element pixelData, float[] out, int bitsAllocated,
            int bitsStored, int highBit, boolean signed) {
        byte[] buf = ds.buffer();
        int base = pixelData.offset();
        boolean bigEndian = ds.bigEndian();
        // 8-bit pixels in an OW element are byte-swapped within each word in big endian files.
        boolean swapBytes = bigEndian && bitsAllocated == 8 && "OW".equals(pixelData.vr());
        int shift = highBit + 1 - bitsStored;
        long mask = (1L << bitsStored) - 1;
        long signBit = 1L << (bitsStored - 1);
        for (int i = 0; i < out.length; i++) {
            long raw;
            switch (bitsAllocated) {
                case 8:
                    raw = buf[base + (swapBytes ? i ^ 1 : i)] & 0xFF;
                    break;
                case 16: {
                    int at = base + 2 * i;
                    int b0 = buf[at] & 0xFF;
                    int b1 = buf[at + 1] & 0xFF;
                    raw = bigEndian ? (b0 << 8) | b1 : (b1 << 8) | b0;
                    break;
                }
                default: {
                    int at = base + 4 * i;
                    long v = 0;
                    for (int k = 0; k < 4; k++) {
                        int b = buf[at + (bigEndian ? k : 3 - k)] & 0xFF;
                        v = (v << 8) | b;
                    }
                    raw = v;
                }
            }
            long v = (raw >>> shift) & mask;
            if (signed && (v & signBit) != 0) {
                v -= 1L << bitsStored;
            }
            out[i] = v;
        }
    }

    /**
     * Which pixels are padding (Pixel Padding Value, up to Pixel Padding Range Limit: the area
     * outside the collimated field), so that the image's own range ignores them; null when none.
     */
    private static boolean[] padding(DicomDataset ds, float[] stored, boolean signed) {
        if (!ds.contains(DicomTags.PIXEL_PADDING_VALUE)) {
            return null;
        }
        int value = ds.uint16(DicomTags.PIXEL_PADDING_VALUE, 0);
        int limit = ds.uint16(DicomTags.PIXEL_PADDING_RANGE_LIMIT, value);
        if (signed) {
            value = (short) value;
            limit = (short) limit;
        }
        float low = Math.min(value, limit);
        float high = Math.max(value, limit);
        boolean[] padding = new boolean[stored.length];
        for (int i = 0; i < stored.length; i++) {
            padding[i] = stored[i] >= low && stored[i] <= high;
        }
        return padding;
    }

    /** A DS value (first of several), or {@code fallback} when absent or empty. */
    private static double decimal(DicomDataset ds, int tag, double fallback) throws DicomRejectedException {
        List<String> values = ds.strings(tag);
        if (values.isEmpty() || values.get(0).isEmpty()) {
            return fallback;
        }
        double v = parseDecimal(values.get(0));
        if (Double.isNaN(v)) {
            throw new DicomRejectedException(Code.MALFORMED, DicomTags.format(tag) + " is not a decimal number: "
                    + DicomParser.printable(values.get(0)));
        }
        return v;
    }

    /** A DICOM decimal string (digits, sign, point, exponent), or NaN. */
    static double parseDecimal(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return Double.NaN;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E')) {
                return Double.NaN;
            }
        }
        try {
            double v = Double.parseDouble(s);
            return Double.isFinite(v) ? v : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String upper(String s) {
        return s == null ? null : s.toUpperCase(Locale.ROOT);
    }

    /** The first Window Center/Width with the VOI LUT Function (PS3.3 §C.11.2.1.2). */
    private static final class Window {
        final double center;
        final double width;
        final String function;

        private Window(double center, double width, String function) {
            this.center = center;
            this.width = width;
            this.function = function;
        }

        /** The file's first window, or null when absent or unusable (then another VOI applies). */
        static Window of(DicomDataset ds) {
            List<String> centers = ds.strings(WINDOW_CENTER);
            List<String> widths = ds.strings(WINDOW_WIDTH);
            if (centers.isEmpty() || widths.isEmpty()) {
                return null;
            }
            double c = parseDecimal(centers.get(0));
            double w = parseDecimal(widths.get(0));
            String function = upper(ds.string(VOI_LUT_FUNCTION));
            if (function == null || function.isEmpty()) {
                function = "LINEAR";
            }
            boolean linear = !function.equals("LINEAR_EXACT") && !function.equals("SIGMOID");
            if (Double.isNaN(c) || Double.isNaN(w) || w <= 0 || (linear && w < 1)) {
                return null;
            }
            return new Window(c, w, linear ? "LINEAR" : function);
        }

        float apply(float x) {
            switch (function) {
                case "LINEAR_EXACT":
                    if (x <= center - width / 2) {
                        return 0f;
                    }
                    if (x > center + width / 2) {
                        return 1f;
                    }
                    return (float) ((x - center) / width + 0.5);
                case "SIGMOID":
                    return (float) (1.0 / (1.0 + Math.exp(-4.0 * (x - center) / width)));
                default: // LINEAR, PS3.3 §C.11.2.1.2.1
                    double low = center - 0.5 - (width - 1) / 2;
                    double high = center - 0.5 + (width - 1) / 2;
                    if (x <= low) {
                        return 0f;
                    }
                    if (x > high) {
                        return 1f;
                    }
                    return (float) ((x - (center - 0.5)) / (width - 1) + 0.5);
            }
        }
    }

    /** A lookup table of a Modality or VOI LUT Sequence item (PS3.3 §C.11.1, §C.11.2). */
    private static final class Lut {
        final int first;
        final int[] entries;
        final int bits;

        private Lut(int first, int[] entries, int bits) {
            this.first = first;
            this.entries = entries;
            this.bits = bits;
        }

        /** The item's table, or null when its descriptor and data do not agree. */
        static Lut of(DicomDataset item, boolean signedInput) {
            int[] descriptor = item.uint16s(LUT_DESCRIPTOR);
            DicomDataset.Element data = item.element(LUT_DATA);
            if (descriptor.length != 3 || data == null || data.length() <= 0) {
                return null;
            }
            int n = descriptor[0] == 0 ? 65536 : descriptor[0];
            DicomDataset.Element d = item.element(LUT_DESCRIPTOR);
            boolean signedFirst = signedInput || "SS".equals(d.vr());
            int first = signedFirst ? (short) descriptor[1] : descriptor[1];
            int bits = descriptor[2];
            if (bits < 8 || bits > 16) {
                return null;
            }
            int[] entries = new int[n];
            if (data.length() >= 2 * n) {
                int[] words = item.uint16s(LUT_DATA);
                System.arraycopy(words, 0, entries, 0, n);
            } else if (bits == 8 && data.length() >= n) {
                byte[] buf = item.buffer();
                for (int i = 0; i < n; i++) {
                    entries[i] = buf[data.offset() + i] & 0xFF;
                }
            } else {
                return null;
            }
            return new Lut(first, entries, bits);
        }

        float entry(float x) {
            long index = Math.round((double) x) - first;
            int i = (int) Math.max(0, Math.min(entries.length - 1, index));
            return entries[i];
        }
    }
}
