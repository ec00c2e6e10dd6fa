package dev.jinn;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link Session} is asked to continue: chat turns (rendered with the model's chat template) or raw text
 * (tokenized as is, special tokens parsed).
 */
public sealed interface Prompt {

    /**
     * Turns to append to the session's conversation; the model then answers as the assistant.
     * Usually one user message; a system message is allowed as the first turn of a session.
     */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
            if (messages.isEmpty()) {
                throw new InvalidOptionException("Prompt.Chat needs at least one message");
            }
        }
    }

    /**
     * Text appended verbatim to the session's token stream (no chat template). BOS is added at the start of a
     * session when the model's {@code add_bos_token} says so (unless the text already starts with the BOS token);
     * special tokens written in the text become their ids.
     */
    record Raw(String text) implements Prompt {
        public Raw {
            Objects.requireNonNull(text, "text");
        }
    }

    /** One user turn. */
    static Prompt user(String text) {
        return new Chat(List.of(ChatMessage.user(text)));
    }

    /** Several turns (for example system then user). */
    static Prompt chat(ChatMessage... messages) {
        return new Chat(List.of(messages));
    }

    /** Raw text, no chat template. */
    static Prompt raw(String text) {
        return new Raw(text);
    }
}
