package dev.jinn.engine;

/**
 * The forward pass of one loaded model over per-sequence KV caches: the contract between the engine's session layer
 * (Model/Session/Sampler) and the architecture code that runs on a backend. Thread-safe: many sequences may run
 * forward passes concurrently; one sequence is used by one thread at a time.
 */
public interface Transformer extends AutoCloseable {

    ModelConfig config();

    /** Allocates a sequence with a KV cache for {@code capacity} positions (≤ config().contextLength() unless overridden). */
    SequenceState newSequence(int capacity);

    /**
     * Appends {@code tokens} at positions {@code state.length() ..} (prefill in batches when more than one, decode
     * when one), writing their keys and values to the KV cache.
     *
     * @param allLogits false: returns the logits of the last token ({@code vocabSize} floats); true: of every
     *                  token, row-major ({@code tokens.length × vocabSize})
     * @throws IllegalArgumentException if a token id is out of range or the tokens do not fit in the capacity; the
     *                                  state is unchanged then
     */
    float[] forward(SequenceState state, int[] tokens, boolean allLogits);

    /** Releases backend memory. Idempotent; later use throws IllegalStateException. */
    @Override
    void close();
}
