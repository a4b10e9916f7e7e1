package org.synthray.agent.text;

/**
 * Prompts of a batch as the encoder takes them: {@code [batch, chunks, chunkLength]} token ids,
 * padded with {@link ByteBpeTokenizer#PAD}; every prompt of the batch gets the chunk count of the
 * longest one, so short-caption batches stay one chunk wide and cost little.
 */
public record PromptTokens(int batch, int chunks, int chunkLength, int[] ids) {

    /**
     * @throws IllegalArgumentException when a prompt has more tokens than the encoder takes
     */
    public static PromptTokens of(int[][] encoded, TextEncoderConfig cfg) {
        int c = cfg.chunkLength();
        int chunks = 1;
        for (int i = 0; i < encoded.length; i++) {
            int[] e = encoded[i];
            if (e.length > cfg.maxTokens()) {
                throw new PromptTooLongException("prompt " + (i + 1) + " has " + e.length
                        + " tokens; this model encodes at most " + cfg.maxTokens() + " ("
                        + cfg.maxChunks() + " chunks of " + c + ")");
            }
            chunks = Math.max(chunks, (e.length + c - 1) / c);
        }
        int[] ids = new int[encoded.length * chunks * c];
        for (int i = 0; i < encoded.length; i++) {
            System.arraycopy(encoded[i], 0, ids, i * chunks * c, encoded[i].length);
        }
        return new PromptTokens(encoded.length, chunks, c, ids);
    }

    /** Total token slots per prompt (chunks × chunk length). */
    public int length() {
        return chunks * chunkLength;
    }

    /** A prompt longer than the encoder's {@link TextEncoderConfig#maxTokens()}. */
    public static final class PromptTooLongException extends IllegalArgumentException {
        public PromptTooLongException(String message) {
            super(message);
        }
    }
}
