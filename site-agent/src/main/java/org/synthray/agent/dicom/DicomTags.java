package org.synthray.agent.dicom;

/** The data element tags SynthRay reads or writes, as {@code (group << 16) | element}. */
final class DicomTags {
    private DicomTags() {}

    // File Meta Information (group 0002)
    static final int FILE_META_GROUP_LENGTH = 0x00020000;
    static final int FILE_META_VERSION = 0x00020001;
    static final int MEDIA_STORAGE_SOP_CLASS_UID = 0x00020002;
    static final int MEDIA_STORAGE_SOP_INSTANCE_UID = 0x00020003;
    static final int TRANSFER_SYNTAX_UID = 0x00020010;
    static final int IMPLEMENTATION_CLASS_UID = 0x00020012;
    static final int IMPLEMENTATION_VERSION_NAME = 0x00020013;

    static final int SPECIFIC_CHARACTER_SET = 0x00080005;
    static final int IMAGE_TYPE = 0x00080008;
    static final int SOP_CLASS_UID = 0x00080016;
    static final int SOP_INSTANCE_UID = 0x00080018;
    static final int STUDY_DATE = 0x00080020;
    static final int CONTENT_DATE = 0x00080023;
    static final int STUDY_TIME = 0x00080030;
    static final int CONTENT_TIME = 0x00080033;
    static final int ACCESSION_NUMBER = 0x00080050;
    static final int MODALITY = 0x00080060;
    static final int CONVERSION_TYPE = 0x00080064;
    static final int MANUFACTURER = 0x00080070;
    static final int REFERRING_PHYSICIAN_NAME = 0x00080090;
    static final int SERIES_DESCRIPTION = 0x0008103E;
    static final int DERIVATION_DESCRIPTION = 0x00082111;

    static final int PATIENT_NAME = 0x00100010;
    static final int PATIENT_ID = 0x00100020;
    static final int PATIENT_BIRTH_DATE = 0x00100030;
    static final int PATIENT_SEX = 0x00100040;
    static final int PATIENT_IDENTITY_REMOVED = 0x00120062;
    static final int DEIDENTIFICATION_METHOD = 0x00120063;

    static final int SECONDARY_CAPTURE_DEVICE_MANUFACTURER = 0x00181016;
    static final int SECONDARY_CAPTURE_DEVICE_MODEL_NAME = 0x00181018;

    static final int STUDY_INSTANCE_UID = 0x0020000D;
    static final int SERIES_INSTANCE_UID = 0x0020000E;
    static final int STUDY_ID = 0x00200010;
    static final int SERIES_NUMBER = 0x00200011;
    static final int INSTANCE_NUMBER = 0x00200013;
    static final int PATIENT_ORIENTATION = 0x00200020;
    static final int IMAGE_COMMENTS = 0x00204000;

    static final int SAMPLES_PER_PIXEL = 0x00280002;
    static final int PHOTOMETRIC_INTERPRETATION = 0x00280004;
    static final int NUMBER_OF_FRAMES = 0x00280008;
    static final int ROWS = 0x00280010;
    static final int COLUMNS = 0x00280011;
    static final int BITS_ALLOCATED = 0x00280100;
    static final int BITS_STORED = 0x00280101;
    static final int HIGH_BIT = 0x00280102;
    static final int PIXEL_REPRESENTATION = 0x00280103;
    static final int PIXEL_PADDING_VALUE = 0x00280120;
    static final int PIXEL_PADDING_RANGE_LIMIT = 0x00280121;
    static final int BURNED_IN_ANNOTATION = 0x00280301;
    static final int WINDOW_CENTER = 0x00281050;
    static final int WINDOW_WIDTH = 0x00281051;
    static final int RESCALE_INTERCEPT = 0x00281052;
    static final int RESCALE_SLOPE = 0x00281053;
    static final int RESCALE_TYPE = 0x00281054;
    static final int WINDOW_EXPLANATION = 0x00281055;
    static final int VOI_LUT_FUNCTION = 0x00281056;
    static final int LOSSY_IMAGE_COMPRESSION = 0x00282110;
    static final int MODALITY_LUT_SEQUENCE = 0x00283000;
    static final int LUT_DESCRIPTOR = 0x00283002;
    static final int LUT_DATA = 0x00283006;
    static final int VOI_LUT_SEQUENCE = 0x00283010;

    static final int FLOAT_PIXEL_DATA = 0x7FE00008;
    static final int DOUBLE_FLOAT_PIXEL_DATA = 0x7FE00009;
    static final int PIXEL_DATA = 0x7FE00010;

    static final int ITEM = 0xFFFEE000;
    static final int ITEM_DELIMITATION = 0xFFFEE00D;
    static final int SEQUENCE_DELIMITATION = 0xFFFEE0DD;

    /** {@code (GGGG,EEEE)} as DICOM writes tags. */
    static String format(int tag) {
        return String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
    }

    /**
     * The value representation of a tag SynthRay interprets, for implicit-VR files (which do not
     * carry it); {@code "UN"} for every other tag, whose value is skipped.
     */
    static String implicitVr(int tag) {
        switch (tag) {
            case TRANSFER_SYNTAX_UID: case SOP_CLASS_UID: case SOP_INSTANCE_UID:
            case MEDIA_STORAGE_SOP_CLASS_UID: case MEDIA_STORAGE_SOP_INSTANCE_UID:
                return "UI";
            case MODALITY: case PHOTOMETRIC_INTERPRETATION: case VOI_LUT_FUNCTION: case IMAGE_TYPE:
            case SPECIFIC_CHARACTER_SET:
                return "CS";
            case NUMBER_OF_FRAMES:
                return "IS";
            case SAMPLES_PER_PIXEL: case ROWS: case COLUMNS: case BITS_ALLOCATED: case BITS_STORED:
            case HIGH_BIT: case PIXEL_REPRESENTATION: case LUT_DESCRIPTOR:
            case PIXEL_PADDING_VALUE: case PIXEL_PADDING_RANGE_LIMIT:
                return "US";
            case WINDOW_CENTER: case WINDOW_WIDTH: case RESCALE_INTERCEPT: case RESCALE_SLOPE:
                return "DS";
            case MODALITY_LUT_SEQUENCE: case VOI_LUT_SEQUENCE:
                return "SQ";
            case LUT_DATA: case PIXEL_DATA:
                return "OW";
            default:
                return "UN";
        }
    }
}
