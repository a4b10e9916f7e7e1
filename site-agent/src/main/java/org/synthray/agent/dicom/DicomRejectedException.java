package org.synthray.agent.dicom;

import java.io.IOException;
import java.util.Objects;

/**
 * A DICOM file that SynthRay will not use, with the reason a site operator sees.
 *
 * <p>It is an {@link IOException} so that a loader reading PNG, JPEG and DICOM side by side can
 * handle "this file cannot be used" in one place; {@link #code()} tells the kinds apart (for counts
 * in a log) and {@link #reason()} is the sentence to show.
 */
public final class DicomRejectedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why a file was refused, for counting; the message says exactly what was found. */
    public enum Code {
        /** Not a DICOM Part 10 file (no {@code DICM} marker, too short, malformed header). */
        NOT_DICOM,
        /** The file ends before what its header promises (usually a partial copy). */
        TRUNCATED,
        /** The structure is broken: impossible lengths, bad value representations, bad nesting. */
        MALFORMED,
        /** Pixel data is compressed (JPEG, JPEG-LS, JPEG 2000, RLE, ...): not decoded here. */
        COMPRESSED,
        /** The transfer syntax is unknown or not one SynthRay reads. */
        UNSUPPORTED_TRANSFER_SYNTAX,
        /** The modality is not a radiograph (CT, MR, US, NM, PT, ...), or is missing. */
        MODALITY,
        /** No Pixel Data element. */
        NO_PIXEL_DATA,
        /** More than one frame. */
        MULTI_FRAME,
        /** A pixel format SynthRay does not read (colour, 1-bit, float pixels, too large, ...). */
        UNSUPPORTED_IMAGE
    }

    private final Code code;
    private final String reason;

    public DicomRejectedException(Code code, String reason) {
        super(reason);
        this.code = Objects.requireNonNull(code, "code");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Code code() {
        return code;
    }

    /** One sentence for the site operator: what was found and why it cannot be used. */
    public String reason() {
        return reason;
    }
}
