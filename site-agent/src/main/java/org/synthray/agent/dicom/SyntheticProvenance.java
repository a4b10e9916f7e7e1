package org.synthray.agent.dicom;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What SynthRay records about how a synthetic image was made, in the DICOM file itself: the model
 * version (a hash) and the sampling seed. The prompt is not written unless the caller asks for it
 * with {@link #withPromptInDicom(String)}: prompts are free text, often taken from real reports, and
 * may carry names, dates or other identifiers that must not leave the site inside an image file.
 * The prompt stays in SynthRay's provenance record, which the privacy review sees.
 */
public record SyntheticProvenance(String modelVersion, Long seed, String promptInDicom) {

    /** Model versions are identifiers (a SHA-256 hex, {@code sha256:...}, a tag), never free text. */
    private static final Pattern MODEL_VERSION = Pattern.compile("[A-Za-z0-9._:+\\-]{1,128}");

    public SyntheticProvenance {
        if (modelVersion != null && !MODEL_VERSION.matcher(modelVersion).matches()) {
            throw new IllegalArgumentException("model version must be 1-128 characters of A-Z a-z 0-9 . _ : + -");
        }
    }

    /** No model version, seed or prompt. */
    public static SyntheticProvenance none() {
        return new SyntheticProvenance(null, null, null);
    }

    /** The model version (e.g. its SHA-256) and the seed; no prompt. */
    public static SyntheticProvenance of(String modelVersion, long seed) {
        return new SyntheticProvenance(Objects.requireNonNull(modelVersion, "modelVersion"), seed, null);
    }

    /**
     * The same provenance, with the prompt written into Image Comments. Only for prompts known to be
     * free of patient information (for example prompts built from structured fields).
     */
    public SyntheticProvenance withPromptInDicom(String prompt) {
        return new SyntheticProvenance(modelVersion, seed, Objects.requireNonNull(prompt, "prompt"));
    }
}
