package dev.jinn;

/** What a chat session does when the conversation no longer fits in its context. */
public enum OverflowPolicy {
    /** Throw {@link ContextOverflowException}; the session is unchanged. The default. */
    FAIL,
    /**
     * Drop the oldest user/assistant turns (the system prompt is kept) until the prompt fits, and prefill again.
     * Still throws {@link ContextOverflowException} when the system prompt and the newest turn alone do not fit.
     * Raw-prompt sessions cannot drop turns and fail instead.
     */
    DROP_OLDEST_TURNS
}
