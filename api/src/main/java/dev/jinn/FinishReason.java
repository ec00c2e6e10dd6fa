package dev.jinn;

/** Why a generation ended. */
public enum FinishReason {
    /** End-of-sequence token, a stop token or a stop string. */
    STOP,
    /** {@link GenerationOptions#maxTokens()} reached, or the session's context is full. */
    LENGTH,
    /** {@link Generation#cancel()} or {@link Session#cancel()} was called. */
    CANCELLED,
    /** {@link GenerationOptions#timeout()} elapsed. */
    TIMEOUT,
    /** The backend or a listener failed; {@link GenerationEvent.Done#error()} says why. */
    ERROR
}
