package dev.jinn.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.jinn.Model;
import dev.jinn.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server over a real GGUF (the golden Qwen2 R1-template model, random weights) loaded with Model.load. */
class GoldenModelServerTest {
    private static final Path GOLDEN = Path.of(System.getProperty("jinn.shared.data"), "golden");
    private static final String USER = "Write a haiku about the sea, then explain why 17 is prime.";

    private static Model model;
    private static OpenAiServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        model = Model.load(GOLDEN.resolve("golden-q8_0.gguf"), ModelOptions.builder().backend("cpu").threads(2)
                .contextLength(256).build());
        server = OpenAiServer.start(model, ServerOptions.builder().port(0).maxConcurrency(2).build());
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUri().toString()).apiKey("none").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        model.close();
    }

    private static ChatCompletionCreateParams greedy() {
        return ChatCompletionCreateParams.builder().model(server.modelId()).addUserMessage(USER).temperature(0)
                .maxCompletionTokens(8).build();
    }

    @Test
    void greedyChatIsTheSameStreamedOrNotAndCountsLlamaCppsPromptTokens() throws Exception {
        int promptTokens = Files.readString(GOLDEN.resolve("prompt.tokens.txt")).strip().split(",").length;
        ChatCompletion whole = client.chat().completions().create(greedy());
        ChatCompletion.Choice choice = whole.choices().getFirst();
        JsonValue r0 = choice.message()._additionalProperties().get("reasoning_content");
        String reasoning = r0 == null ? "" : String.valueOf(r0.asString().orElseThrow());
        String content = choice.message().content().orElse("");
        var usage = whole.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(promptTokens);
        assertThat(usage.completionTokens()).isBetween(1L, 8L);
        assertThat(reasoning + content).isNotEmpty();
        if (usage.completionTokens() == 8) {
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        }

        StringBuilder streamedReasoning = new StringBuilder();
        StringBuilder streamedContent = new StringBuilder();
        long[] streamedTokens = {-1};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(greedy().toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> {
                    c.delta().content().ifPresent(streamedContent::append);
                    JsonValue r = c.delta()._additionalProperties().get("reasoning_content");
                    if (r != null) {
                        streamedReasoning.append(r.asString().orElseThrow());
                    }
                });
                chunk.usage().ifPresent(u -> streamedTokens[0] = u.completionTokens());
            });
        }
        assertThat(streamedReasoning.toString()).isEqualTo(reasoning);
        assertThat(streamedContent.toString()).isEqualTo(content);
        assertThat(streamedTokens[0]).isEqualTo(usage.completionTokens());
    }

    @Test
    void rawCompletionIsDeterministicWhenGreedy() {
        CompletionCreateParams p = CompletionCreateParams.builder().model(server.modelId()).prompt("Once upon a time")
                .maxTokens(6).temperature(0.0).build();
        Completion a = client.completions().create(p);
        Completion b = client.completions().create(p);
        assertThat(a.choices().getFirst().text()).isNotEmpty().isEqualTo(b.choices().getFirst().text());
        assertThat(a.usage().orElseThrow().completionTokens()).isBetween(1L, 6L);
        assertThat(client.models().list().data()).singleElement()
                .satisfies(m -> assertThat(m.id()).isEqualTo(model.info().name()));
    }
}
