package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ChatMessage;
import dev.jinn.JinnException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected strings written by reading chat_template.jinja (DeepSeek-R1-Distill) and Qwen2.5's ChatML template. */
class ChatTemplateTest {
    private static final String R1 = TestData.read(TestData.QWEN.resolve("chat_template.jinja"));
    private final ChatTemplate t = ChatTemplate.fromJinja(R1);

    @Test
    void recognisesTheDeepSeekTemplate() {
        assertThat(t.name()).isEqualTo("deepseek-r1");
    }

    @Test
    void singleTurn() {
        assertThat(t.render(List.of(ChatMessage.user("Hello")), true))
                .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>Hello<｜Assistant｜><think>\n");
        assertThat(t.render(List.of(ChatMessage.user("Hello")), false))
                .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>Hello");
    }

    @Test
    void systemPromptGoesRightAfterBosAndOnlyTheLastCounts() {
        List<ChatMessage> m = List.of(ChatMessage.system("First."), ChatMessage.user("Hi"), ChatMessage.system("Be brief."));
        assertThat(t.render(m, true))
                .isEqualTo("<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜><think>\n");
    }

    @Test
    void multiTurnDropsReasoningOfPastAssistantTurns() {
        List<ChatMessage> m = List.of(
                ChatMessage.system("You are terse."),
                ChatMessage.user("2+2?"),
                ChatMessage.assistant("<think>\nadd them\n</think>\n\n4"),
                ChatMessage.user("and 3+3?"),
                ChatMessage.assistant("<think>a</think>b</think>6"),
                ChatMessage.user("thanks"));
        assertThat(t.render(m, true)).isEqualTo("<｜begin▁of▁sentence｜>You are terse."
                + "<｜User｜>2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜>"
                + "<｜User｜>and 3+3?<｜Assistant｜>6<｜end▁of▁sentence｜>"
                + "<｜User｜>thanks<｜Assistant｜><think>\n");
    }

    @Test
    void assistantWithoutReasoningIsKeptWhole() {
        List<ChatMessage> m = List.of(ChatMessage.user("a"), ChatMessage.assistant(" b "));
        assertThat(t.render(m, false))
                .isEqualTo("<｜begin▁of▁sentence｜><｜User｜>a<｜Assistant｜> b <｜end▁of▁sentence｜>");
        assertThat(t.render(List.of(), true)).isEqualTo("<｜begin▁of▁sentence｜><｜Assistant｜><think>\n");
    }

    @Test
    void renderedPromptTokenizesToTheExpectedIds() {
        Tokenizer tok = TestData.qwenFromJson();
        String prompt = t.render(List.of(ChatMessage.user("Hello, world!")), false) + "<｜Assistant｜>";
        assertThat(tok.encode(prompt, false, true)).containsExactly(151646, 151644, 9707, 11, 1879, 0, 151645);
    }

    @Test
    void qwen25ChatMl() {
        String qwen25 = "{%- if tools %}...{%- else %}{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + "
                + "messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by "
                + "Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}{%- endif %}...";
        ChatTemplate c = ChatTemplate.fromJinja(qwen25);
        assertThat(c.name()).isEqualTo("chatml");
        assertThat(c.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello!"), ChatMessage.user("Bye")), true))
                .isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                        + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
        assertThat(c.render(List.of(ChatMessage.system("S"), ChatMessage.user("Hi")), false))
                .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
        ChatTemplate plain = ChatTemplate.fromJinja("{% for m in messages %}<|im_start|>{{m.role}}\n{{m.content}}<|im_end|>\n{% endfor %}");
        assertThat(plain.render(List.of(ChatMessage.user("Hi")), true))
                .isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void unknownTemplateIsAClearError() {
        assertThatThrownBy(() -> ChatTemplate.fromJinja("{{ bos_token }}[INST] {{ m }} [/INST]"))
                .isInstanceOf(JinnException.class).hasMessageContaining("unknown chat template").hasMessageContaining("[INST]");
    }
}
