package dev.jinn;

import java.util.Objects;

/**
 * One turn of a conversation. For assistant turns of reasoning models, {@code content} may hold the whole
 * generated text including {@code <think>…</think>}; chat templates decide what of it goes back into the prompt.
 *
 * @param role    who speaks
 * @param content what was said; never null (may be empty)
 */
public record ChatMessage(Role role, String content) {
    /** Who speaks in a {@link ChatMessage}. */
    public enum Role { SYSTEM, USER, ASSISTANT }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}
