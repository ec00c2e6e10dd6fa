package dev.jinn.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ChatMessage;
import dev.jinn.GenerationException;
import dev.jinn.GenerationOptions;
import dev.jinn.Sampler;
import dev.jinn.testing.ScriptedModel;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.Test;

class JinnChatModelTest {

    @Test
    void mapsTheConversationAndReturnsThinkingApartFromTheAnswer() {
        ScriptedModel model = ScriptedModel.replying("<think>17 has no divisors</think>Yes, it is prime.");
        ChatModel chat = JinnChatModel.builder().model(model).build();
        ChatResponse r = chat.chat(SystemMessage.from("Be brief."), UserMessage.from("Is 15 prime?"),
                AiMessage.from("No."), UserMessage.from(TextContent.from("Is 17 "), TextContent.from("prime?")));

        assertThat(r.aiMessage().text()).isEqualTo("Yes, it is prime.");
        assertThat(r.aiMessage().thinking()).isEqualTo("17 has no divisors");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(10); // 5 + 5 chunks of ≤ 4 characters
        assertThat(r.tokenUsage().totalTokenCount())
                .isEqualTo(r.tokenUsage().inputTokenCount() + r.tokenUsage().outputTokenCount());
        assertThat(r.modelName()).isEqualTo("scripted");
        assertThat(model.lastPrompt().conversation()).containsExactly(ChatMessage.system("Be brief."),
                ChatMessage.user("Is 15 prime?"), ChatMessage.assistant("No."), ChatMessage.user("Is 17 prime?"));
    }

    @Test
    void requestParametersBecomeGenerationOptions() {
        ScriptedModel model = ScriptedModel.replying("ok");
        ChatModel chat = JinnChatModel.builder().model(model)
                .defaultOptions(GenerationOptions.builder().seed(7L).maxTokens(300).build()).build();
        chat.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .parameters(ChatRequestParameters.builder().temperature(0.2).topP(0.8).topK(12).maxOutputTokens(64)
                        .stopSequences("###").frequencyPenalty(0.4).presencePenalty(0.1).build())
                .build());
        GenerationOptions o = model.lastPrompt().options();
        assertThat(o.maxTokens()).isEqualTo(64);
        assertThat(o.seed()).isEqualTo(7L);
        assertThat(o.stopStrings()).containsExactly("###");
        Sampler s = o.sampler();
        assertThat(s.temperature()).isEqualTo(0.2f);
        assertThat(s.topP()).isEqualTo(0.8f);
        assertThat(s.topK()).isEqualTo(12);
        assertThat(s.frequencyPenalty()).isEqualTo(0.4f);
        assertThat(s.presencePenalty()).isEqualTo(0.1f);

        chat.chat("again");
        assertThat(model.lastPrompt().options().sampler()).as("no sampling parameters: the model's sampler").isNull();
        assertThat(model.lastPrompt().options().maxTokens()).isEqualTo(300);
    }

    @Test
    void toolsImagesAndFailuresAreReportedNotIgnored() {
        ScriptedModel model = new ScriptedModel();
        ChatModel chat = JinnChatModel.builder().model(model).build();
        assertThatThrownBy(() -> chat.chat(ChatRequest.builder().messages(UserMessage.from("weather?"))
                .toolSpecifications(ToolSpecification.builder().name("weather").build()).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("tool");
        assertThatThrownBy(() -> chat.chat(UserMessage.from(TextContent.from("what is this?"),
                ImageContent.from("https://example.com/cat.png"))))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("IMAGE");
        assertThatThrownBy(() -> chat.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .parameters(ChatRequestParameters.builder().temperature(-1.0).build()).build()))
                .hasMessageContaining("temperature");

        model.failNext(new GenerationException("backend exploded"));
        assertThatThrownBy(() -> chat.chat("hi")).isInstanceOf(GenerationException.class)
                .hasMessageContaining("backend exploded");
    }
}
