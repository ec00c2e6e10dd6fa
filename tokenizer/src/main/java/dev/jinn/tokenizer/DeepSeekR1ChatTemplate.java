package dev.jinn.tokenizer;

import dev.jinn.ChatMessage;
import java.util.List;

/**
 * The DeepSeek-R1-Distill chat template: BOS, the last system message, then {@code <｜User｜>}content or
 * {@code <｜Assistant｜>}(content after its last {@code </think>}){@code <｜end▁of▁sentence｜>} per turn; the
 * generation prompt is {@code <｜Assistant｜><think>\n}.
 */
final class DeepSeekR1ChatTemplate implements ChatTemplate {
    static final String BOS = "<｜begin▁of▁sentence｜>";
    static final String USER = "<｜User｜>";
    static final String ASSISTANT = "<｜Assistant｜>";
    static final String EOS = "<｜end▁of▁sentence｜>";
    private static final String END_THINK = "</think>";

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        String system = "";
        for (ChatMessage m : messages) {
            if (m.role() == ChatMessage.Role.SYSTEM) {
                system = m.content();
            }
        }
        StringBuilder out = new StringBuilder(BOS).append(system);
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case USER -> out.append(USER).append(m.content());
                case ASSISTANT -> {
                    String c = m.content();
                    int end = c.lastIndexOf(END_THINK);   // Jinja: content.split('</think>')[-1]
                    if (end >= 0) {
                        c = c.substring(end + END_THINK.length());
                    }
                    out.append(ASSISTANT).append(c).append(EOS);
                }
                case SYSTEM -> { }
            }
        }
        if (addGenerationPrompt) {
            out.append(ASSISTANT).append("<think>\n");
        }
        return out.toString();
    }

    @Override
    public String name() {
        return "deepseek-r1";
    }

    @Override
    public String toString() {
        return "ChatTemplate[deepseek-r1]";
    }
}
