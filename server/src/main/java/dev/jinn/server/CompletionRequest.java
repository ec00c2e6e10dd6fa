package dev.jinn.server;

import dev.jinn.ChatMessage;
import dev.jinn.GenerationOptions;
import dev.jinn.InvalidOptionException;
import dev.jinn.Prompt;
import dev.jinn.Sampler;
import dev.jinn.quant.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed {@code /v1/chat/completions} or {@code /v1/completions} body: the prompt, the generation options and
 * how to answer. Sampling fields start from the model's recommended sampler; a request that sets none of them uses
 * the model's sampler unchanged.
 */
record CompletionRequest(Prompt prompt, GenerationOptions options, boolean stream, boolean includeUsage) {

    /** Most stop strings a request may give. */
    static final int MAX_STOP_STRINGS = 16;

    static CompletionRequest parseChat(String body, Sampler modelSampler) {
        Map<String, Object> json = object(body);
        Object messages = json.get("messages");
        if (!(messages instanceof List<?> list)) {
            throw ApiException.badRequest("messages", messages == null ? "'messages' is required"
                    : "'messages' must be an array of messages, not " + Json.typeName(messages));
        }
        if (list.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must hold at least one message");
        }
        List<ChatMessage> turns = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            turns.add(message(list.get(i), "messages[" + i + "]"));
        }
        Long maxTokens = integer(json, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = integer(json, "max_tokens");
        }
        return new CompletionRequest(new Prompt.Chat(turns), options(json, modelSampler, maxTokens),
                bool(json, "stream"), includeUsage(json));
    }

    static CompletionRequest parseCompletion(String body, Sampler modelSampler) {
        Map<String, Object> json = object(body);
        Object prompt = json.get("prompt");
        String text;
        if (prompt instanceof String s) {
            text = s;
        } else if (prompt instanceof List<?> l && l.size() == 1 && l.getFirst() instanceof String s) {
            text = s;
        } else if (prompt == null) {
            throw ApiException.badRequest("prompt", "'prompt' is required");
        } else {
            throw ApiException.badRequest("prompt", "'prompt' must be a string (or an array of one string), not "
                    + Json.typeName(prompt) + (prompt instanceof List<?> ? " of " + ((List<?>) prompt).size() : ""));
        }
        if (json.get("echo") instanceof Boolean b && b) {
            throw ApiException.badRequest("echo", "'echo' is not supported");
        }
        return new CompletionRequest(new Prompt.Raw(text), options(json, modelSampler, integer(json, "max_tokens")),
                bool(json, "stream"), includeUsage(json));
    }

    private static Map<String, Object> object(String body) {
        Object parsed;
        try {
            parsed = Json.parse(body);
        } catch (RuntimeException e) {
            throw ApiException.badRequest(null, "the request body is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?>)) {
            throw ApiException.badRequest(null, "the request body must be a JSON object, not " + Json.typeName(parsed));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) parsed;
        Object n = map.get("n");
        if (n != null && !(n instanceof Long l && l == 1)) {
            throw ApiException.badRequest("n", "'n' must be 1: one choice per request is supported");
        }
        return map;
    }

    private static ChatMessage message(Object value, String where) {
        if (!(value instanceof Map<?, ?> m)) {
            throw ApiException.badRequest(where, where + " must be an object with 'role' and 'content'");
        }
        if (!(m.get("role") instanceof String role)) {
            throw ApiException.badRequest(where + ".role", where + ".role is required (system, user or assistant)");
        }
        String content = content(m.get("content"), where + ".content");
        return switch (role.toLowerCase(Locale.ROOT)) {
            case "system", "developer" -> ChatMessage.system(content);
            case "user" -> ChatMessage.user(content);
            case "assistant" -> ChatMessage.assistant(content);
            default -> throw ApiException.badRequest(where + ".role", where + ".role '" + role
                    + "' is not supported (system, developer, user or assistant)");
        };
    }

    /** A string, or an array of {@code {"type": "text", "text": ...}} parts joined; null only for assistants. */
    private static String content(Object value, String where) {
        if (value instanceof String s) {
            return s;
        }
        if (value == null) {
            return "";
        }
        if (value instanceof List<?> parts) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                if (!(parts.get(i) instanceof Map<?, ?> p) || !"text".equals(p.get("type"))
                        || !(p.get("text") instanceof String t)) {
                    throw ApiException.badRequest(where + "[" + i + "]",
                            where + "[" + i + "] must be a text part {\"type\": \"text\", \"text\": ...}; this model "
                                    + "reads text only");
                }
                sb.append(t);
            }
            return sb.toString();
        }
        throw ApiException.badRequest(where, where + " must be a string or an array of text parts, not "
                + Json.typeName(value));
    }

    private static GenerationOptions options(Map<String, Object> json, Sampler modelSampler, Long maxTokens) {
        GenerationOptions.Builder o = GenerationOptions.builder();
        try {
            if (maxTokens != null) {
                if (maxTokens < 1 || maxTokens > Integer.MAX_VALUE) {
                    throw ApiException.badRequest("max_tokens", "max_tokens = " + maxTokens + " must be ≥ 1");
                }
                o.maxTokens(maxTokens.intValue());
            }
            Long seed = integer(json, "seed");
            if (seed != null) {
                o.seed(seed.longValue());
            }
            o.stopStrings(stops(json.get("stop")));
            Sampler.Builder s = modelSampler.toBuilder();
            boolean custom = false;
            Double v;
            if ((v = number(json, "temperature")) != null) {
                s.temperature(v.floatValue());
                custom = true;
            }
            if ((v = number(json, "top_p")) != null) {
                s.topP(v.floatValue());
                custom = true;
            }
            Long topK = integer(json, "top_k");
            if (topK != null) {
                if (topK < 0 || topK > Integer.MAX_VALUE) {
                    throw ApiException.badRequest("top_k", "top_k = " + topK + " must be ≥ 0");
                }
                s.topK(topK.intValue());
                custom = true;
            }
            if ((v = number(json, "min_p")) != null) {
                s.minP(v.floatValue());
                custom = true;
            }
            if ((v = number(json, "frequency_penalty")) != null) {
                s.frequencyPenalty(v.floatValue());
                custom = true;
            }
            if ((v = number(json, "presence_penalty")) != null) {
                s.presencePenalty(v.floatValue());
                custom = true;
            }
            if ((v = number(json, "repeat_penalty")) != null) {
                s.repetitionPenalty(v.floatValue());
                custom = true;
            }
            if (custom) {
                o.sampler(s.build());
            }
            return o.build();
        } catch (InvalidOptionException e) {
            throw ApiException.badRequest(null, e.getMessage());
        }
    }

    private static List<String> stops(Object stop) {
        if (stop == null) {
            return List.of();
        }
        if (stop instanceof String s) {
            return s.isEmpty() ? List.of() : List.of(s);
        }
        if (stop instanceof List<?> l) {
            if (l.size() > MAX_STOP_STRINGS) {
                throw ApiException.badRequest("stop", "'stop' holds " + l.size() + " strings; at most "
                        + MAX_STOP_STRINGS);
            }
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings");
                }
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
            return out;
        }
        throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings, not "
                + Json.typeName(stop));
    }

    private static boolean includeUsage(Map<String, Object> json) {
        return json.get("stream_options") instanceof Map<?, ?> so && Boolean.TRUE.equals(so.get("include_usage"));
    }

    private static boolean bool(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw ApiException.badRequest(key, "'" + key + "' must be true or false, not " + Json.typeName(v));
        }
        return b;
    }

    private static Double number(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw ApiException.badRequest(key, "'" + key + "' must be a number, not " + Json.typeName(v));
        }
        return n.doubleValue();
    }

    private static Long integer(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9e15) {
            return d.longValue();
        }
        throw ApiException.badRequest(key, "'" + key + "' must be an integer, not " + Json.typeName(v)
                + (v instanceof Double ? " " + v : ""));
    }
}
