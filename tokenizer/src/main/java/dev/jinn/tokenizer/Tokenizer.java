package dev.jinn.tokenizer;

/**
 * Text to token ids and back, exactly as the model was trained (Hugging Face's ids for byte-level BPE models,
 * llama.cpp's for SentencePiece-style GGUFs). Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    /**
     * Encodes text.
     *
     * @param text         the text; NFC-normalized first where the model's tokenizer does so
     * @param addBos       prepend the BOS id (callers usually pass {@link #addBosByDefault()})
     * @param parseSpecial when true, added tokens (such as {@code <｜User｜>} or {@code <think>}) found in the text
     *                     become their ids; when false the same characters are tokenized as plain text
     * @throws NullPointerException if text is null
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Decodes ids to text, special tokens included. Invalid UTF-8 byte sequences become U+FFFD. */
    String decode(int[] ids);

    /** A decoder for streaming that never emits half a UTF-8 character; one per generation stream. */
    StreamingDecoder newStreamingDecoder(boolean showSpecial);

    /** Number of token ids (the largest valid id is one less). */
    int vocabularySize();

    /** The BOS id, or -1 when the model has none. */
    int bosId();

    /** The end-of-sequence id (for R1-Distill {@code <｜end▁of▁sentence｜>}), or -1. */
    int eosId();

    /** Whether the model expects BOS at the start of a prompt ({@code tokenizer.ggml.add_bos_token}). */
    boolean addBosByDefault();

    /** The token's text as stored in the vocabulary (byte-level form for BPE models). */
    String tokenPiece(int id);

    /** The id of a token whose vocabulary text is exactly {@code piece} (e.g. {@code "</think>"}), or -1. */
    int tokenId(String piece);

    /** Whether the id is a control/special token (never produced from plain text). */
    boolean isControl(int id);

    /** Incremental id-to-text decoding for one stream. Not thread-safe. */
    interface StreamingDecoder {
        /** Feeds one generated id and returns the text that is now complete (possibly empty). */
        String accept(int id);

        /** Returns what is held back (an incomplete UTF-8 tail becomes U+FFFD) and resets. */
        String flush();
    }
}
