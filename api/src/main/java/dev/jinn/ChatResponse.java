package dev.jinn;

import java.util.Objects;

/**
 * The result of a blocking {@link Session#chat(String)}.
 *
 * @param answer       the answer text (after {@code </think>})
 * @param reasoning    the reasoning text (inside {@code <think>…</think>}); empty for models that do not reason
 * @param finishReason why generation ended (never {@link FinishReason#ERROR}: errors are thrown)
 * @param usage        token counts and speeds
 */
public record ChatResponse(String answer, String reasoning, FinishReason finishReason, Usage usage) {
    public ChatResponse {
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
    }
}
