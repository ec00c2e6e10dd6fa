package dev.jinn.server;

import dev.jinn.JinnException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server refuses, with the HTTP status and the OpenAI-style error body
 * {@code {"error": {"message", "type", "param", "code"}}} it answers with.
 */
final class ApiException extends JinnException {
    final int status;
    final String type;
    final String param;
    final String code;

    ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    Map<String, Object> body() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
