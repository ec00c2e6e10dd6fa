package dev.jinn.testing;

import dev.jinn.ChatMessage;
import dev.jinn.engine.session.PromptFormat;
import java.util.List;

/**
 * A chat template shaped like DeepSeek-R1's, in {@link FakeTokenizer}'s tokens:
 * {@code <s><|system|>S<|user|>U<|assistant|>A</s>...<|assistant|><think>\n}. Like R1's template it drops the
 * reasoning ({@code …</think>}) of earlier assistant turns. With {@code reasoning = false} the generation prompt is
 * only {@code <|assistant|>}.
 */
public record FakeChatFormat(boolean reasoning) implements PromptFormat {

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder(FakeTokenizer.BOS);
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case SYSTEM -> sb.append(FakeTokenizer.SYSTEM).append(m.content());
                case USER -> sb.append(FakeTokenizer.USER).append(m.content());
                case ASSISTANT -> {
                    String c = m.content();
                    int end = c.lastIndexOf(FakeTokenizer.END_THINK);
                    if (end >= 0) {
                        c = c.substring(end + FakeTokenizer.END_THINK.length()).strip();
                    }
                    sb.append(FakeTokenizer.ASSISTANT).append(c).append(FakeTokenizer.EOS);
                }
            }
        }
        if (addGenerationPrompt) {
            sb.append(FakeTokenizer.ASSISTANT);
            if (reasoning) {
                sb.append(FakeTokenizer.THINK).append('\n');
            }
        }
        return sb.toString();
    }
}
