package org.synthray.agent.text;

/**
 * Shape of the transformer text encoder.
 *
 * <p>Long prompts are encoded in chunks: the token sequence is cut into chunks of
 * {@code chunkLength} tokens, each chunk runs through the encoder with positions 0..chunkLength-1,
 * a learned chunk embedding tells chunks apart, and the U-Net cross-attends to the tokens of all
 * chunks. So a report is never cut at CLIP's 77 tokens: up to {@code chunkLength * maxChunks}
 * tokens are encoded whole, while attention inside the encoder stays cheap.
 *
 * @param vocabSize   rows of the token embedding (at least the tokenizer's vocabulary)
 * @param dim         width of token features
 * @param layers      transformer blocks
 * @param heads       attention heads (dim must divide by heads)
 * @param chunkLength tokens per chunk
 * @param maxChunks   chunks per prompt at most
 */
public record TextEncoderConfig(int vocabSize, int dim, int layers, int heads, int chunkLength, int maxChunks) {

    public TextEncoderConfig {
        if (vocabSize < ByteBpeTokenizer.BASE_VOCAB) {
            throw new IllegalArgumentException("text vocab_size must be at least " + ByteBpeTokenizer.BASE_VOCAB);
        }
        if (dim <= 0 || heads <= 0 || dim % heads != 0) {
            throw new IllegalArgumentException("text dim " + dim + " must be a positive multiple of heads " + heads);
        }
        if (layers < 1 || chunkLength < 4 || maxChunks < 1) {
            throw new IllegalArgumentException("text encoder needs layers >= 1, chunk_length >= 4, max_chunks >= 1");
        }
    }

    /** Longest prompt, in tokens (begin and end markers included), that is encoded whole. */
    public int maxTokens() {
        return chunkLength * maxChunks;
    }
}
