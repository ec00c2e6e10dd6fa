package dev.jinn;

/**
 * What a generation produces, in order: any number of {@link Reasoning} and {@link Answer} chunks, then exactly one
 * {@link Done}. Text chunks are never empty and never split a UTF-8 character; stop strings are not included.
 */
public sealed interface GenerationEvent {

    /** Text inside {@code <think>…</think>} (the tags themselves are not included). */
    record Reasoning(String text) implements GenerationEvent {
        public Reasoning {
            java.util.Objects.requireNonNull(text, "text");
        }
    }

    /** Text of the answer (after {@code </think>}, or all text for models that do not reason). */
    record Answer(String text) implements GenerationEvent {
        public Answer {
            java.util.Objects.requireNonNull(text, "text");
        }
    }

    /**
     * The last event.
     *
     * @param finishReason why generation ended
     * @param usage        token counts and speeds
     * @param error        the failure when {@code finishReason} is {@link FinishReason#ERROR}, else null
     */
    record Done(FinishReason finishReason, Usage usage, JinnException error) implements GenerationEvent {
        public Done {
            java.util.Objects.requireNonNull(finishReason, "finishReason");
            java.util.Objects.requireNonNull(usage, "usage");
            if ((finishReason == FinishReason.ERROR) != (error != null)) {
                throw new IllegalArgumentException("error must be given exactly when finishReason is ERROR");
            }
        }

        public Done(FinishReason finishReason, Usage usage) {
            this(finishReason, usage, null);
        }
    }
}
