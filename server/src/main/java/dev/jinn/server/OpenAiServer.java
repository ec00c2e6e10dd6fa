package dev.jinn.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jinn.ClosedException;
import dev.jinn.ContextOverflowException;
import dev.jinn.FinishReason;
import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.InvalidOptionException;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.Session;
import dev.jinn.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server over one {@link Model}, on the JDK's {@code com.sun.net.httpserver} with a virtual
 * thread per request.
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: chat turns → one assistant reply; {@code "stream": true} answers with
 *       server-sent events ({@code data: {chunk}} … {@code data: [DONE]}). Reasoning models' thinking goes to
 *       {@code reasoning_content} (of the message, or of each delta) and the answer to {@code content}, as
 *       llama.cpp's server does.</li>
 *   <li>{@code POST /v1/completions}: raw text continued, no chat template.</li>
 *   <li>{@code GET /v1/models}: the one model served.</li>
 * </ul>
 *
 * <p>Each request runs in its own {@link Session}. At most {@link ServerOptions#maxConcurrency()} generations run
 * at once; later requests wait in line up to {@link ServerOptions#queueTimeout()} and are then refused with 429.
 * Bodies over {@link ServerOptions#maxRequestBytes()} get 413, malformed ones 400, requests without the API key
 * (when one is set) 401; every error body is OpenAI's {@code {"error": {"message", "type", "param", "code"}}}.
 * A client that disconnects during a stream cancels its generation.
 *
 * <p>{@link #close()} stops the server and cancels running generations; it does not close the model.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    private static final String SSE_DONE = "data: [DONE]\n\n";

    private final Model model;
    private final ServerOptions options;
    private final String modelId;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Semaphore slots;
    private final Set<Generation> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong cancelledByClient = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private final long created = System.currentTimeMillis() / 1000;
    private volatile boolean closed;

    private OpenAiServer(Model model, ServerOptions options) throws IOException {
        this.model = Objects.requireNonNull(model, "model");
        this.options = Objects.requireNonNull(options, "options");
        this.modelId = options.modelId() != null ? options.modelId() : model.info().name();
        this.slots = new Semaphore(options.maxConcurrency(), true);
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("jinn-http-", 0).factory());
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Binds and starts serving {@code model}.
     *
     * @throws JinnException when the address cannot be bound (in use, or not an address of this machine)
     */
    public static OpenAiServer start(Model model, ServerOptions options) {
        try {
            OpenAiServer s = new OpenAiServer(model, options);
            LOG.info("Serving {} on {} (max {} concurrent generations{})", s.modelId, s.baseUri(),
                    options.maxConcurrency(), options.apiKey() != null ? ", API key required" : "");
            return s;
        } catch (IOException e) {
            throw new JinnException("cannot listen on " + options.host() + ":" + options.port() + ": " + e, e);
        }
    }

    /** The port listened on (the one chosen when {@link ServerOptions#port()} was 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** {@code http://host:port/v1}, the base URL OpenAI clients take. */
    public URI baseUri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port() + "/v1");
    }

    /** The model id that {@code /v1/models} lists. */
    public String modelId() {
        return modelId;
    }

    /** Generations running now. */
    public int activeGenerations() {
        return running.size();
    }

    /** Streams cancelled because their client went away. */
    public long cancelledByClient() {
        return cancelledByClient.get();
    }

    /** Completion requests answered (successfully or not) since start. */
    public long requestsServed() {
        return served.get();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        running.forEach(Generation::cancel);
        http.stop(1);
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("{} request threads still running 5 s after close", modelId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Stopped serving {}", modelId);
    }

    // ---------------------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiException e) {
                sendJson(ex, e.status, e.body());
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                sendJson(ex, 500, new ApiException(500, "server_error", null, null,
                        "internal error: " + e).body());
            }
        } catch (IOException e) {
            LOG.debug("{} {}: client went away: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.endsWith("/") && path.length() > 1) {
            path = path.substring(0, path.length() - 1);
        }
        String method = ex.getRequestMethod();
        checkApiKey(ex);
        switch (path) {
            case "/v1/models" -> {
                requireMethod(method, "GET");
                sendJson(ex, 200, Map.of("object", "list", "data", List.of(modelObject())));
            }
            case "/v1/chat/completions" -> {
                requireMethod(method, "POST");
                String body = readBody(ex);
                complete(ex, CompletionRequest.parseChat(body, model.info().recommendedSampler()), true);
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST");
                String body = readBody(ex);
                complete(ex, CompletionRequest.parseCompletion(body, model.info().recommendedSampler()), false);
            }
            default -> {
                if (path.startsWith("/v1/models/") && path.substring("/v1/models/".length()).equals(modelId)) {
                    requireMethod(method, "GET");
                    sendJson(ex, 200, modelObject());
                    return;
                }
                throw new ApiException(404, "invalid_request_error", null, "not_found",
                        "no route " + method + " " + path + " (this server has GET /v1/models, "
                                + "POST /v1/chat/completions and POST /v1/completions)");
            }
        }
    }

    private Map<String, Object> modelObject() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "jinn");
        return m;
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    "method " + method + " is not allowed here; use " + expected);
        }
    }

    private void checkApiKey(HttpExchange ex) {
        String key = options.apiKey();
        if (key == null) {
            return;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
        if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                key.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    given == null ? "missing API key: send the header 'Authorization: Bearer <key>'"
                            : "incorrect API key");
        }
    }

    private String readBody(HttpExchange ex) throws IOException {
        long max = options.maxRequestBytes();
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(null, "bad Content-Length header '" + length + "'");
            }
            if (n > max) {
                throw tooLarge(n + " bytes");
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (InputStream in = ex.getRequestBody()) {
            byte[] chunk = new byte[8192];
            int r;
            while ((r = in.read(chunk)) >= 0) {
                if (buf.size() + (long) r > max) {
                    throw tooLarge("more than " + max + " bytes");
                }
                buf.write(chunk, 0, r);
            }
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private ApiException tooLarge(String size) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body is " + size + "; this server accepts at most " + options.maxRequestBytes()
                        + " bytes (--max-request-bytes)");
    }

    // ---------------------------------------------------------------------------------------------------------

    private void complete(HttpExchange ex, CompletionRequest req, boolean chat) throws IOException {
        if (closed) {
            throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        boolean acquired;
        try {
            acquired = slots.tryAcquire(options.queueTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
        }
        if (!acquired) {
            throw new ApiException(429, "rate_limit_error", null, "server_busy",
                    "the server is busy: " + options.maxConcurrency() + " generations are running and this request "
                            + "waited " + options.queueTimeout().toMillis() + " ms for one to finish; retry later");
        }
        served.incrementAndGet();
        String id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(ThreadLocalRandom.current().nextLong());
        long createdAt = System.currentTimeMillis() / 1000;
        try (Session session = model.newSession()) {
            Generation gen;
            try {
                gen = session.generate(req.prompt(), req.options());
            } catch (ContextOverflowException e) {
                throw new ApiException(400, "invalid_request_error", chat ? "messages" : "prompt",
                        "context_length_exceeded", e.getMessage());
            } catch (InvalidOptionException e) {
                throw ApiException.badRequest(null, e.getMessage());
            } catch (ClosedException e) {
                throw new ApiException(503, "server_error", null, "model_closed", e.getMessage());
            } catch (JinnException e) {
                // Refused before anything ran (e.g. chat turns for a model whose chat template is unknown): the
                // request cannot be served as given.
                throw ApiException.badRequest(chat ? "messages" : "prompt", e.getMessage());
            }
            running.add(gen);
            try (gen) {
                if (req.stream()) {
                    stream(ex, gen, req, id, createdAt, chat);
                } else {
                    whole(ex, gen, id, createdAt, chat);
                }
            } finally {
                running.remove(gen);
            }
        } finally {
            slots.release();
        }
    }

    private void whole(HttpExchange ex, Generation gen, String id, long createdAt, boolean chat) throws IOException {
        StringBuilder answer = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        while (gen.hasNext()) {
            switch (gen.next()) {
                case GenerationEvent.Answer a -> answer.append(a.text());
                case GenerationEvent.Reasoning r -> reasoning.append(r.text());
                case GenerationEvent.Done d -> { }
            }
        }
        GenerationEvent.Done done = gen.done();
        if (done.finishReason() == FinishReason.ERROR) {
            throw new ApiException(500, "server_error", null, "generation_failed",
                    "generation failed: " + done.error().getMessage());
        }
        if (done.finishReason() == FinishReason.CANCELLED) {
            throw new ApiException(503, "server_error", null, "cancelled", "the generation was cancelled (the server "
                    + "is shutting down)");
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (chat) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", answer.toString());
            if (!reasoning.isEmpty()) {
                message.put("reasoning_content", reasoning.toString());
            }
            message.put("refusal", null);
            choice.put("message", message);
        } else {
            choice.put("text", reasoning.isEmpty() ? answer.toString()
                    : "<think>" + reasoning + "</think>" + answer);
        }
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason(done.finishReason()));
        Map<String, Object> body = envelope(id, createdAt, chat ? "chat.completion" : "text_completion");
        body.put("choices", List.of(choice));
        body.put("usage", usage(done.usage()));
        sendJson(ex, 200, body);
    }

    private void stream(HttpExchange ex, Generation gen, CompletionRequest req, String id, long createdAt,
            boolean chat) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("X-Accel-Buffering", "no");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String object = chat ? "chat.completion.chunk" : "text_completion";
        try {
            if (chat) {
                Map<String, Object> delta = new LinkedHashMap<>();
                delta.put("role", "assistant");
                delta.put("content", "");
                send(out, chunk(id, createdAt, object, deltaChoice(delta, null)));
            }
            boolean inThink = false;
            while (gen.hasNext()) {
                GenerationEvent e = gen.next();
                Map<String, Object> choice = switch (e) {
                    case GenerationEvent.Answer a -> {
                        String text = a.text();
                        if (!chat && inThink) {
                            text = "</think>" + text;
                            inThink = false;
                        }
                        yield chat ? deltaChoice(Map.of("content", text), null) : textChoice(text, null);
                    }
                    case GenerationEvent.Reasoning r -> {
                        if (chat) {
                            yield deltaChoice(Map.of("reasoning_content", r.text()), null);
                        }
                        String text = inThink ? r.text() : "<think>" + r.text();
                        inThink = true;
                        yield textChoice(text, null);
                    }
                    case GenerationEvent.Done d -> null;
                };
                if (choice != null) {
                    send(out, chunk(id, createdAt, object, choice));
                }
            }
            GenerationEvent.Done done = gen.done();
            if (done.finishReason() == FinishReason.ERROR) {
                send(out, new ApiException(500, "server_error", null, "generation_failed",
                        "generation failed: " + done.error().getMessage()).body());
                return;
            }
            if (done.finishReason() == FinishReason.CANCELLED) {
                return; // the server is closing
            }
            String reason = finishReason(done.finishReason());
            send(out, chunk(id, createdAt, object, chat ? deltaChoice(Map.of(), reason) : textChoice("", reason)));
            if (req.includeUsage()) {
                Map<String, Object> last = envelope(id, createdAt, object);
                last.put("choices", List.of());
                last.put("usage", usage(done.usage()));
                send(out, last);
            }
            out.write(SSE_DONE.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | UncheckedIOException e) {
            // The client went away: stop computing tokens nobody will read.
            gen.cancel();
            cancelledByClient.incrementAndGet();
            LOG.debug("{}: client disconnected mid-stream; generation cancelled", id);
        }
    }

    private Map<String, Object> chunk(String id, long createdAt, String object, Map<String, Object> choice) {
        Map<String, Object> m = envelope(id, createdAt, object);
        m.put("choices", List.of(choice));
        return m;
    }

    private static Map<String, Object> deltaChoice(Map<String, Object> delta, String finishReason) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("index", 0);
        c.put("delta", delta);
        c.put("logprobs", null);
        c.put("finish_reason", finishReason);
        return c;
    }

    private static Map<String, Object> textChoice(String text, String finishReason) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("index", 0);
        c.put("text", text);
        c.put("logprobs", null);
        c.put("finish_reason", finishReason);
        return c;
    }

    private Map<String, Object> envelope(String id, long createdAt, String object) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", object);
        m.put("created", createdAt);
        m.put("model", modelId);
        m.put("system_fingerprint", "jinn-" + model.info().backend());
        return m;
    }

    private static Map<String, Object> usage(Usage u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt_tokens", u.promptTokens());
        m.put("completion_tokens", u.completionTokens());
        m.put("total_tokens", u.totalTokens());
        m.put("prompt_tokens_details", Map.of("cached_tokens", u.cachedPromptTokens()));
        m.put("completion_tokens_details", Map.of("reasoning_tokens", u.reasoningTokens()));
        return m;
    }

    private static String finishReason(FinishReason r) {
        return switch (r) {
            case STOP -> "stop";
            case LENGTH, TIMEOUT -> "length";
            case CANCELLED, ERROR -> "stop";
        };
    }

    private static void send(OutputStream out, Map<String, Object> event) throws IOException {
        out.write(("data: " + JsonWriter.write(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JsonWriter.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (status == 413) {
            ex.getResponseHeaders().set("Connection", "close");
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
