package dev.jinn.langchain4j;

import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A LangChain4j {@link StreamingChatModel} over a Jinn {@link Model}: answer chunks go to
 * {@link StreamingChatResponseHandler#onPartialResponse}, reasoning chunks to
 * {@link StreamingChatResponseHandler#onPartialThinking}, then {@code onCompleteResponse} (with the whole answer,
 * thinking, usage and finish reason) or {@code onError}. Each call runs in a fresh {@link Session} on the
 * {@link Builder#executor executor} (a new virtual thread by default). The contexts' {@link StreamingHandle#cancel()}
 * stops the generation within one token; then neither onCompleteResponse nor onError is called.
 * Parameters map as in {@link JinnChatModel}.
 */
public final class JinnStreamingChatModel implements StreamingChatModel {
    private final Model model;
    private final GenerationOptions defaults;
    private final ChatRequestParameters defaultParameters;
    private final List<ChatModelListener> listeners;
    private final Executor executor;

    private JinnStreamingChatModel(Builder b) {
        this.model = Objects.requireNonNull(b.model, "model");
        this.defaults = b.defaultOptions;
        this.defaultParameters = b.defaultRequestParameters != null ? b.defaultRequestParameters
                : DefaultChatRequestParameters.builder().modelName(model.info().name()).build();
        this.listeners = List.copyOf(b.listeners);
        this.executor = b.executor;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        var prompt = Requests.prompt(request);
        var options = Requests.options(request.parameters(), JinnChatModel.sampler(model, defaults), defaults);
        executor.execute(() -> run(prompt, options, handler));
    }

    private void run(dev.jinn.Prompt prompt, GenerationOptions options, StreamingChatResponseHandler handler) {
        StringBuilder answer = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        GenerationEvent.Done done;
        Handle handle = new Handle();
        try (Session session = model.newSession(SessionOptions.DEFAULTS);
             Generation generation = session.generate(prompt, options)) {
            handle.generation = generation;
            PartialResponseContext answerContext = new PartialResponseContext(handle);
            PartialThinkingContext thinkingContext = new PartialThinkingContext(handle);
            while (generation.hasNext()) {
                switch (generation.next()) {
                    case GenerationEvent.Answer a -> {
                        answer.append(a.text());
                        handler.onPartialResponse(new PartialResponse(a.text()), answerContext);
                    }
                    case GenerationEvent.Reasoning r -> {
                        thinking.append(r.text());
                        handler.onPartialThinking(new PartialThinking(r.text()), thinkingContext);
                    }
                    case GenerationEvent.Done d -> { }
                }
            }
            done = generation.done();
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        if (handle.cancelled) {
            return;
        }
        if (done.error() != null) {
            handler.onError(done.error());
            return;
        }
        AiMessage.Builder message = AiMessage.builder().text(answer.toString());
        if (!thinking.isEmpty()) {
            message.thinking(thinking.toString());
        }
        handler.onCompleteResponse(ChatResponse.builder().aiMessage(message.build()).modelName(model.info().name())
                .tokenUsage(Requests.usage(done.usage())).finishReason(Requests.finishReason(done.finishReason()))
                .build());
    }

    /** Cancels the Jinn generation behind one streaming call. */
    private static final class Handle implements StreamingHandle {
        volatile Generation generation;
        volatile boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
            Generation g = generation;
            if (g != null) {
                g.cancel();
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaultParameters;
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Mutable builder. */
    public static final class Builder {
        private Model model;
        private GenerationOptions defaultOptions = GenerationOptions.DEFAULTS;
        private ChatRequestParameters defaultRequestParameters;
        private List<ChatModelListener> listeners = List.of();
        private Executor executor = r -> Thread.ofVirtual().name("jinn-langchain4j").start(r);

        private Builder() {}

        /** The Jinn model to chat with (required; not closed by the adapter). */
        public Builder model(Model v) { model = v; return this; }

        /** Options every request starts from; request parameters override them. */
        public Builder defaultOptions(GenerationOptions v) { defaultOptions = Objects.requireNonNull(v); return this; }

        public Builder defaultRequestParameters(ChatRequestParameters v) { defaultRequestParameters = v; return this; }

        public Builder listeners(List<ChatModelListener> v) { listeners = List.copyOf(v); return this; }

        /** Where generations run (default: a new virtual thread each). */
        public Builder executor(Executor v) { executor = Objects.requireNonNull(v); return this; }

        public JinnStreamingChatModel build() {
            return new JinnStreamingChatModel(this);
        }
    }
}
