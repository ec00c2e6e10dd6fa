package dev.jinn.langchain4j;

import dev.jinn.GenerationOptions;
import dev.jinn.InvalidOptionException;
import dev.jinn.Prompt;
import dev.jinn.Sampler;
import dev.jinn.Usage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;

/** Maps LangChain4j requests to Jinn prompts and options, and Jinn results back. */
final class Requests {
    private Requests() {}

    /** The request's messages as Jinn chat turns; tool messages and non-text content are refused. */
    static Prompt prompt(ChatRequest request) {
        List<dev.jinn.ChatMessage> turns = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            turns.add(switch (m) {
                case SystemMessage s -> dev.jinn.ChatMessage.system(s.text());
                case UserMessage u -> dev.jinn.ChatMessage.user(text(u));
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) {
                        throw new UnsupportedFeatureException("Jinn models do not call tools; the conversation holds "
                                + "an AiMessage with tool execution requests");
                    }
                    yield dev.jinn.ChatMessage.assistant(a.text() == null ? "" : a.text());
                }
                default -> throw new UnsupportedFeatureException("Jinn models do not support " + m.type()
                        + " messages (only system, user and AI text messages)");
            });
        }
        if (turns.isEmpty()) {
            throw new InvalidOptionException("the chat request holds no messages");
        }
        return new Prompt.Chat(turns);
    }

    private static String text(UserMessage u) {
        if (u.hasSingleText()) {
            return u.singleText();
        }
        StringBuilder sb = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException("Jinn models read text only; the user message holds "
                        + c.type() + " content");
            }
            sb.append(t.text());
        }
        return sb.toString();
    }

    /**
     * The generation options for {@code parameters}: sampling fields start from {@code sampler} (the adapter's or the
     * model's); a request that sets none of them keeps {@code sampler} as is.
     */
    static GenerationOptions options(ChatRequestParameters p, Sampler sampler, GenerationOptions base) {
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("Jinn models do not call tools; the request gives "
                    + p.toolSpecifications().size() + " tool specifications");
        }
        if (p.responseFormat() != null && p.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("Jinn does not constrain output to JSON yet (response format JSON)");
        }
        GenerationOptions.Builder o = base.toBuilder();
        if (p.maxOutputTokens() != null) {
            o.maxTokens(p.maxOutputTokens());
        }
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) {
            o.stopStrings(p.stopSequences());
        }
        Sampler.Builder s = sampler.toBuilder();
        boolean custom = false;
        if (p.temperature() != null) {
            s.temperature(p.temperature().floatValue());
            custom = true;
        }
        if (p.topP() != null) {
            s.topP(p.topP().floatValue());
            custom = true;
        }
        if (p.topK() != null) {
            s.topK(p.topK());
            custom = true;
        }
        if (p.frequencyPenalty() != null) {
            s.frequencyPenalty(p.frequencyPenalty().floatValue());
            custom = true;
        }
        if (p.presencePenalty() != null) {
            s.presencePenalty(p.presencePenalty().floatValue());
            custom = true;
        }
        if (custom) {
            o.sampler(s.build());
        }
        return o.build();
    }

    static FinishReason finishReason(dev.jinn.FinishReason r) {
        return switch (r) {
            case STOP -> FinishReason.STOP;
            case LENGTH, TIMEOUT -> FinishReason.LENGTH;
            case CANCELLED, ERROR -> FinishReason.OTHER;
        };
    }

    static TokenUsage usage(Usage u) {
        return new TokenUsage(u.promptTokens(), u.completionTokens(), u.totalTokens());
    }
}
