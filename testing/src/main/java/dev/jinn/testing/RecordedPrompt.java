package dev.jinn.testing;

import dev.jinn.ChatMessage;
import dev.jinn.GenerationOptions;
import java.util.List;

/**
 * What a {@link ScriptedModel} was asked.
 *
 * @param conversation the whole conversation the model saw for a chat prompt (system prompt and earlier turns
 *                     included); empty for raw prompts
 * @param rawText      the text of a raw prompt, or null for chat
 * @param options      the generation options given
 */
public record RecordedPrompt(List<ChatMessage> conversation, String rawText, GenerationOptions options) {
    public RecordedPrompt {
        conversation = List.copyOf(conversation);
    }

    /** The content of the newest user message (or the raw text). */
    public String lastUserMessage() {
        if (rawText != null) {
            return rawText;
        }
        for (int i = conversation.size() - 1; i >= 0; i--) {
            if (conversation.get(i).role() == ChatMessage.Role.USER) {
                return conversation.get(i).content();
            }
        }
        return "";
    }

    /** The system prompt the model saw, or null. */
    public String systemPrompt() {
        return conversation.isEmpty() || conversation.getFirst().role() != ChatMessage.Role.SYSTEM ? null
                : conversation.getFirst().content();
    }
}
