package dev.jinn;

/**
 * Token counts and speeds of one generation.
 *
 * @param promptTokens            tokens of the prompt the model saw (the whole conversation for chat)
 * @param cachedPromptTokens      of those, how many were already in the session's KV cache (not prefilled again)
 * @param completionTokens        tokens generated (reasoning included; stop tokens excluded)
 * @param reasoningTokens         of those, how many were inside {@code <think>…</think>}
 * @param prefillTokensPerSecond  prompt tokens prefilled per second (0 when none were prefilled)
 * @param decodeTokensPerSecond   tokens generated per second (0 when none)
 */
public record Usage(
        int promptTokens,
        int cachedPromptTokens,
        int completionTokens,
        int reasoningTokens,
        double prefillTokensPerSecond,
        double decodeTokensPerSecond) {

    /** Nothing happened. */
    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0);

    /** Total tokens the session processed for this exchange. */
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
