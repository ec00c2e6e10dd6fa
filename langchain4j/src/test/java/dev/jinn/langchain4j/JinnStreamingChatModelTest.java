package dev.jinn.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.GenerationException;
import dev.jinn.testing.ScriptedModel;
import dev.jinn.testing.ScriptedReply;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JinnStreamingChatModelTest {

    /** Records every callback in order. */
    static final class Recorder implements StreamingChatResponseHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<ChatResponse> complete = new CompletableFuture<>();
        final int cancelAfter;

        Recorder(int cancelAfter) {
            this.cancelAfter = cancelAfter;
        }

        @Override
        public void onPartialThinking(PartialThinking t, PartialThinkingContext c) {
            events.add("think:" + t.text());
        }

        @Override
        public void onPartialResponse(PartialResponse r, PartialResponseContext c) {
            events.add("answer:" + r.text());
            if (events.size() == cancelAfter) {
                c.streamingHandle().cancel();
                assertThat(c.streamingHandle().isCancelled()).isTrue();
            }
        }

        @Override
        public void onCompleteResponse(ChatResponse r) {
            complete.complete(r);
        }

        @Override
        public void onError(Throwable error) {
            complete.completeExceptionally(error);
        }
    }

    @Test
    void streamsThinkingThenAnswerThenTheCompleteResponse() throws Exception {
        ScriptedModel model = ScriptedModel.replying("<think>Hmm, easy</think>Paris.");
        StreamingChatModel chat = JinnStreamingChatModel.builder().model(model).build();
        Recorder rec = new Recorder(-1);
        chat.chat(ChatRequest.builder().messages(UserMessage.from("Capital of France?"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(50).build()).build(), rec);
        ChatResponse r = rec.complete.get(10, TimeUnit.SECONDS);
        assertThat(rec.events).containsExactly("think:Hmm,", "think: eas", "think:y", "answer:Pari", "answer:s.");
        assertThat(r.aiMessage().text()).isEqualTo("Paris.");
        assertThat(r.aiMessage().thinking()).isEqualTo("Hmm, easy");
        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(5);
        assertThat(model.lastPrompt().options().maxTokens()).isEqualTo(50);
    }

    @Test
    void aFailedGenerationEndsWithOnError() throws Exception {
        ScriptedModel model = new ScriptedModel().failNext(new GenerationException("out of memory on the device"));
        Recorder rec = new Recorder(-1);
        JinnStreamingChatModel.builder().model(model).build().chat("hi", rec);
        assertThat(rec.complete).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withMessageContaining("out of memory on the device");
    }

    @Test
    void theStreamingHandleCancelsTheGeneration() throws Exception {
        ScriptedModel model = new ScriptedModel();
        model.enqueue(ScriptedReply.builder().answer(Collections.nCopies(500, "x").toArray(String[]::new))
                .delayPerChunk(Duration.ofMillis(5)).build());
        Recorder rec = new Recorder(3);
        JinnStreamingChatModel.builder().model(model).build().chat("go on forever", rec);
        Thread.sleep(300);
        assertThat(rec.complete).isNotDone();
        assertThat(rec.events).hasSizeBetween(3, 4); // cancelled within one token
    }
}
