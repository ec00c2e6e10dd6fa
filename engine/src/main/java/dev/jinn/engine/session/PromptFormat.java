package dev.jinn.engine.session;

import dev.jinn.ChatMessage;
import java.util.List;

/**
 * Renders a conversation to prompt text: the model's chat template (the tokenizer module's Jinja templates adapt to
 * this with a method reference). Implementations are immutable and thread-safe.
 */
@FunctionalInterface
public interface PromptFormat {

    /**
     * @param messages            the whole conversation, oldest first
     * @param addGenerationPrompt append the opening of an assistant turn (for R1: {@code <｜Assistant｜><think>\n})
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
