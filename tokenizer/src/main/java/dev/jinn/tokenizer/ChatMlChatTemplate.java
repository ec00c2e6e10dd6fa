package dev.jinn.tokenizer;

import dev.jinn.ChatMessage;
import java.util.List;
import java.util.Locale;

/**
 * ChatML as Qwen2/Qwen2.5-Instruct templates write it (without tools): a system turn first (the conversation's
 * first message when it is a system message, else the template's default system prompt, if any), then
 * {@code <|im_start|>role\ncontent<|im_end|>\n} per message; the generation prompt is
 * {@code <|im_start|>assistant\n}.
 */
final class ChatMlChatTemplate implements ChatTemplate {
    static final String QWEN25_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
    static final String QWEN2_SYSTEM = "You are a helpful assistant.";

    private final String defaultSystem;

    ChatMlChatTemplate(String defaultSystem) {
        this.defaultSystem = defaultSystem;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        boolean firstIsSystem = !messages.isEmpty() && messages.get(0).role() == ChatMessage.Role.SYSTEM;
        if (!firstIsSystem && defaultSystem != null) {
            turn(out, "system", defaultSystem);
        }
        for (ChatMessage m : messages) {
            turn(out, m.role().name().toLowerCase(Locale.ROOT), m.content());
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
        }
        return out.toString();
    }

    private static void turn(StringBuilder out, String role, String content) {
        out.append("<|im_start|>").append(role).append('\n').append(content).append("<|im_end|>\n");
    }

    @Override
    public String name() {
        return "chatml";
    }

    @Override
    public String toString() {
        return "ChatTemplate[chatml" + (defaultSystem == null ? "" : ", default system prompt") + "]";
    }
}
