package dev.jinn.langchain4j;

import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ChatModel} over a Jinn {@link Model}. Each call runs in a fresh {@link Session} (LangChain4j
 * sends the whole conversation every time); the model is shared and not closed by this adapter.
 *
 * <p>Request parameters map to Jinn's: temperature, topP, topK, frequency/presence penalty → the {@link
 * dev.jinn.Sampler} (starting from {@link Builder#defaultOptions}' sampler, else the model's recommended one),
 * maxOutputTokens → {@code maxTokens}, stopSequences → stop strings. A reasoning model's thinking is returned as
 * {@link AiMessage#thinking()} and its answer as {@link AiMessage#text()}. Tools and JSON response formats are
 * refused with {@link dev.langchain4j.exception.UnsupportedFeatureException}.
 *
 * <pre>{@code
 * ChatModel chat = JinnChatModel.builder().model(model).build();
 * String answer = chat.chat("Why is 17 prime?");
 * }</pre>
 */
public final class JinnChatModel implements ChatModel {
    private final Model model;
    private final GenerationOptions defaults;
    private final ChatRequestParameters defaultParameters;
    private final List<ChatModelListener> listeners;

    private JinnChatModel(Builder b) {
        this.model = Objects.requireNonNull(b.model, "model");
        this.defaults = b.defaultOptions;
        this.defaultParameters = b.defaultRequestParameters != null ? b.defaultRequestParameters
                : DefaultChatRequestParameters.builder().modelName(model.info().name()).build();
        this.listeners = List.copyOf(b.listeners);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        var prompt = Requests.prompt(request);
        var options = Requests.options(request.parameters(), sampler(model, defaults), defaults);
        StringBuilder answer = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        GenerationEvent.Done done;
        try (Session session = model.newSession(SessionOptions.DEFAULTS)) {
            done = session.generate(prompt, options, e -> {
                switch (e) {
                    case GenerationEvent.Answer a -> answer.append(a.text());
                    case GenerationEvent.Reasoning r -> thinking.append(r.text());
                    case GenerationEvent.Done d -> { }
                }
            });
        }
        if (done.error() != null) {
            throw done.error();
        }
        AiMessage.Builder message = AiMessage.builder().text(answer.toString());
        if (!thinking.isEmpty()) {
            message.thinking(thinking.toString());
        }
        return ChatResponse.builder().aiMessage(message.build()).modelName(model.info().name())
                .tokenUsage(Requests.usage(done.usage())).finishReason(Requests.finishReason(done.finishReason()))
                .build();
    }

    static dev.jinn.Sampler sampler(Model model, GenerationOptions defaults) {
        return defaults.sampler() != null ? defaults.sampler() : model.info().recommendedSampler();
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

        private Builder() {}

        /** The Jinn model to chat with (required; not closed by the adapter). */
        public Builder model(Model v) { model = v; return this; }

        /**
         * Options every request starts from (max tokens, seed, reasoning budget, timeout, sampler); request
         * parameters override them. Default: {@link GenerationOptions#DEFAULTS}.
         */
        public Builder defaultOptions(GenerationOptions v) { defaultOptions = Objects.requireNonNull(v); return this; }

        /** LangChain4j default parameters, merged under each request's (LangChain4j's own convention). */
        public Builder defaultRequestParameters(ChatRequestParameters v) { defaultRequestParameters = v; return this; }

        public Builder listeners(List<ChatModelListener> v) { listeners = List.copyOf(v); return this; }

        public JinnChatModel build() {
            return new JinnChatModel(this);
        }
    }
}
