package dev.jinn;

/**
 * A prompt does not fit in the session's context (KV cache). The message gives both sizes and the ways out:
 * a shorter prompt, a larger {@link SessionOptions#contextLength()}, or {@link OverflowPolicy#DROP_OLDEST_TURNS}.
 */
public class ContextOverflowException extends JinnException {
    private final int promptTokens;
    private final int contextLength;

    public ContextOverflowException(String message, int promptTokens, int contextLength) {
        super(message);
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    /** Tokens the prompt needed. */
    public int promptTokens() {
        return promptTokens;
    }

    /** Tokens the session's context holds. */
    public int contextLength() {
        return contextLength;
    }
}
