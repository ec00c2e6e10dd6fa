package dev.jinn.tokenizer;

import dev.jinn.ChatMessage;
import dev.jinn.JinnException;
import dev.jinn.quant.gguf.GgufMetadata;
import java.util.List;
import java.util.Objects;

/**
 * Turns a conversation into prompt text exactly as a model's Jinja chat template does. Jinn does not run Jinja:
 * {@link #fromJinja} recognises the known templates by their content and renders them in Java (tested against
 * strings written from the templates). An unknown template is an error, never a silent guess.
 * Implementations are immutable and thread-safe.
 */
public interface ChatTemplate {

    /**
     * Renders the messages.
     *
     * @param addGenerationPrompt append the text that opens the assistant's turn
     * @throws NullPointerException if messages or one of them is null
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** A short name: "deepseek-r1" or "chatml". */
    String name();

    /**
     * Chooses the template that {@code templateText} (a GGUF's {@code tokenizer.chat_template} or a
     * chat_template.jinja) is: DeepSeek-R1 (text with {@code <｜User｜>}, {@code <｜Assistant｜>} and
     * {@code </think>}), or ChatML (text with {@code <|im_start|>}; Qwen2.5's and Qwen2's default system prompts are
     * kept when the template carries them).
     *
     * @throws JinnException naming what the template starts with when it is none of those
     */
    static ChatTemplate fromJinja(String templateText) {
        Objects.requireNonNull(templateText, "templateText");
        if (templateText.contains("<｜User｜>") && templateText.contains("<｜Assistant｜>") && templateText.contains("</think>")) {
            return deepSeekR1();
        }
        if (templateText.contains("<|im_start|>")) {
            for (String system : new String[] {ChatMlChatTemplate.QWEN25_SYSTEM, ChatMlChatTemplate.QWEN2_SYSTEM}) {
                if (templateText.contains(system)) {
                    return chatMl(system);
                }
            }
            return chatMl(null);
        }
        String head = templateText.length() > 120 ? templateText.substring(0, 120) + "..." : templateText;
        throw new JinnException("unknown chat template (Jinn recognises DeepSeek-R1 and ChatML/Qwen2 templates): '"
                + head.replace("\n", "\\n") + "'");
    }

    /**
     * The template of a GGUF model: {@link #fromJinja} of its {@code tokenizer.chat_template}.
     *
     * @throws JinnException when the key is missing or the template is unknown
     */
    static ChatTemplate fromGguf(GgufMetadata metadata) {
        if (!metadata.contains("tokenizer.chat_template")) {
            throw new JinnException("the GGUF metadata has no tokenizer.chat_template");
        }
        return fromJinja(metadata.getString("tokenizer.chat_template"));
    }

    /** DeepSeek-R1 (and its Qwen/Llama distills), with BOS {@code <｜begin▁of▁sentence｜>}. */
    static ChatTemplate deepSeekR1() {
        return new DeepSeekR1ChatTemplate();
    }

    /**
     * ChatML ({@code <|im_start|>role\ncontent<|im_end|>\n}).
     *
     * @param defaultSystem the system prompt used when the conversation does not start with one, or null for none
     */
    static ChatTemplate chatMl(String defaultSystem) {
        return new ChatMlChatTemplate(defaultSystem);
    }
}
