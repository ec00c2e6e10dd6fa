package dev.jinn;

import static dev.jinn.InvalidOptionException.check;

import java.util.Objects;

/**
 * Parameters of one {@link Session}.
 *
 * @param contextLength  positions of this session's KV cache (0 = the model's {@link ModelInfo#contextLength()});
 *                       at most the model's
 * @param overflowPolicy what happens when the conversation outgrows the context
 * @param systemPrompt   a system message placed before the first turn (null = none)
 */
public record SessionOptions(int contextLength, OverflowPolicy overflowPolicy, String systemPrompt) {

    /** The model's context, fail on overflow, no system prompt. */
    public static final SessionOptions DEFAULTS = builder().build();

    public SessionOptions {
        check(contextLength >= 0, "contextLength", contextLength, "must be ≥ 0 (0 = the model's context length)");
        Objects.requireNonNull(overflowPolicy, "overflowPolicy");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int contextLength;
        private OverflowPolicy overflowPolicy = OverflowPolicy.FAIL;
        private String systemPrompt;

        private Builder() {}

        public Builder contextLength(int v) { contextLength = v; return this; }
        public Builder overflowPolicy(OverflowPolicy v) { overflowPolicy = v; return this; }
        public Builder systemPrompt(String v) { systemPrompt = v; return this; }

        public SessionOptions build() {
            return new SessionOptions(contextLength, overflowPolicy, systemPrompt);
        }
    }
}
