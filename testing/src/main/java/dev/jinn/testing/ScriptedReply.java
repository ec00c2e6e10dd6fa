package dev.jinn.testing;

import dev.jinn.FinishReason;
import dev.jinn.GenerationEvent;
import dev.jinn.JinnException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One reply of a {@link ScriptedModel}: the text chunks it streams (each chunk is one event and counts as one
 * token), how it ends, how slowly it streams, or the failure it raises.
 *
 * @param chunks        {@link GenerationEvent.Reasoning} and {@link GenerationEvent.Answer} events, in order
 * @param finishReason  how it ends when it runs to the end (STOP, or LENGTH to imitate a truncated answer)
 * @param delayPerChunk sleep before each chunk (a slow model)
 * @param failure       when not null, the generation ends with {@link FinishReason#ERROR} and this error after the
 *                      chunks (so {@code chat} throws it)
 */
public record ScriptedReply(List<GenerationEvent> chunks, FinishReason finishReason, Duration delayPerChunk,
        JinnException failure) {

    public ScriptedReply {
        chunks = List.copyOf(chunks);
        for (GenerationEvent e : chunks) {
            if (e instanceof GenerationEvent.Done) {
                throw new IllegalArgumentException("chunks are Reasoning or Answer events; Done is added at the end");
            }
        }
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(delayPerChunk, "delayPerChunk");
    }

    /** An answer in one chunk. */
    public static ScriptedReply answer(String text) {
        return builder().answer(text).build();
    }

    /** Reasoning, then an answer, one chunk each. */
    public static ScriptedReply of(String reasoning, String answer) {
        return builder().reasoning(reasoning).answer(answer).build();
    }

    /**
     * Parses {@code "<think>reasoning</think>answer"} (or just {@code "answer"}); the text is streamed in chunks
     * of at most 4 characters, as tokens would be.
     */
    public static ScriptedReply parse(String text) {
        Builder b = builder();
        String answer = text;
        if (text.startsWith("<think>") && text.contains("</think>")) {
            int end = text.indexOf("</think>");
            b.reasoning(split(text.substring("<think>".length(), end)));
            answer = text.substring(end + "</think>".length()).stripLeading();
        }
        return b.answer(split(answer)).build();
    }

    /** A reply whose generation fails with {@code error}. */
    public static ScriptedReply failure(JinnException error) {
        return builder().failWith(Objects.requireNonNull(error, "error")).build();
    }

    private static String[] split(String s) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < s.length(); i += 4) {
            parts.add(s.substring(i, Math.min(s.length(), i + 4)));
        }
        return parts.toArray(String[]::new);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder. */
    public static final class Builder {
        private final List<GenerationEvent> chunks = new ArrayList<>();
        private FinishReason finishReason = FinishReason.STOP;
        private Duration delay = Duration.ZERO;
        private JinnException failure;

        private Builder() {}

        /** Reasoning chunks, streamed one event each. */
        public Builder reasoning(String... chunks) {
            for (String c : chunks) {
                if (!c.isEmpty()) {
                    this.chunks.add(new GenerationEvent.Reasoning(c));
                }
            }
            return this;
        }

        /** Answer chunks, streamed one event each. */
        public Builder answer(String... chunks) {
            for (String c : chunks) {
                if (!c.isEmpty()) {
                    this.chunks.add(new GenerationEvent.Answer(c));
                }
            }
            return this;
        }

        public Builder finishReason(FinishReason r) {
            this.finishReason = r;
            return this;
        }

        public Builder delayPerChunk(Duration d) {
            this.delay = d;
            return this;
        }

        public Builder failWith(JinnException e) {
            this.failure = e;
            return this;
        }

        public ScriptedReply build() {
            return new ScriptedReply(chunks, finishReason, delay, failure);
        }
    }
}
