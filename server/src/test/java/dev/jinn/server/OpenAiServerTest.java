package dev.jinn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.jinn.ChatMessage;
import dev.jinn.GenerationOptions;
import dev.jinn.Sampler;
import dev.jinn.quant.json.Json;
import dev.jinn.testing.ScriptedModel;
import dev.jinn.testing.ScriptedReply;
import java.net.URI;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drives the server with the official OpenAI Java SDK (and raw HTTP for what the SDK cannot send). */
class OpenAiServerTest {
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    private OpenAiServer serve(ScriptedModel model, ServerOptions.Builder options) {
        OpenAiServer server = OpenAiServer.start(model, options.port(0).build());
        toClose.add(server);
        return server;
    }

    private OpenAIClient client(OpenAiServer server, String apiKey) {
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(server.baseUri().toString()).apiKey(apiKey)
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
        toClose.add(c::close);
        return c;
    }

    private static ChatCompletionCreateParams.Builder chat(String user) {
        return ChatCompletionCreateParams.builder().model("scripted").addSystemMessage("Be brief.")
                .addUserMessage(user);
    }

    @Test
    void nonStreamingChatSeparatesReasoningAndMapsOptions() {
        ScriptedModel model = ScriptedModel.replying("<think>France's capital</think>Paris");
        OpenAiServer server = serve(model, ServerOptions.builder());
        ChatCompletion reply = client(server, "unused").chat().completions().create(chat("Capital of France?")
                .temperature(0.3).topP(0.9).maxCompletionTokens(77).seed(42).frequencyPenalty(0.5)
                .presencePenalty(0.25).stop("END")
                .putAdditionalBodyProperty("top_k", JsonValue.from(20))
                .putAdditionalBodyProperty("min_p", JsonValue.from(0.05)).build());

        ChatCompletion.Choice choice = reply.choices().getFirst();
        assertThat(choice.message().content()).contains("Paris");
        assertThat(choice.message()._additionalProperties().get("reasoning_content").asString())
                .contains("France's capital");
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(reply.model()).isEqualTo("scripted");
        assertThat(reply.usage().orElseThrow().completionTokens()).isPositive();
        assertThat(reply.usage().orElseThrow().completionTokensDetails().orElseThrow().reasoningTokens())
                .hasValue(reply.usage().orElseThrow().completionTokens() - 2); // "Pari" "s"

        var seen = model.lastPrompt();
        assertThat(seen.conversation()).containsExactly(ChatMessage.system("Be brief."),
                ChatMessage.user("Capital of France?"));
        GenerationOptions o = seen.options();
        assertThat(o.maxTokens()).isEqualTo(77);
        assertThat(o.seed()).isEqualTo(42L);
        assertThat(o.stopStrings()).containsExactly("END");
        Sampler s = o.sampler();
        assertThat(s.temperature()).isEqualTo(0.3f);
        assertThat(s.topP()).isEqualTo(0.9f);
        assertThat(s.topK()).isEqualTo(20);
        assertThat(s.minP()).isEqualTo(0.05f);
        assertThat(s.frequencyPenalty()).isEqualTo(0.5f);
        assertThat(s.presencePenalty()).isEqualTo(0.25f);
    }

    @Test
    void withoutSamplingFieldsTheModelsSamplerIsUsed() {
        ScriptedModel model = ScriptedModel.replying("Hi");
        OpenAiServer server = serve(model, ServerOptions.builder());
        client(server, "k").chat().completions().create(chat("Hello").maxTokens(5).build());
        assertThat(model.lastPrompt().options().sampler()).isNull();
        assertThat(model.lastPrompt().options().maxTokens()).isEqualTo(5);
    }

    @Test
    void streamingChatSendsReasoningAndContentDeltasThenUsage() {
        ScriptedModel model = ScriptedModel.replying("<think>Let me think about it</think>The answer is 42.");
        OpenAiServer server = serve(model, ServerOptions.builder());
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<String> finish = new ArrayList<>();
        long[] completionTokens = {-1};
        try (StreamResponse<ChatCompletionChunk> stream = client(server, "k").chat().completions().createStreaming(
                chat("What is the answer?").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true)
                        .build()).build())) {
            stream.stream().forEach(chunk -> {
                for (ChatCompletionChunk.Choice c : chunk.choices()) {
                    c.delta().content().ifPresent(content::append);
                    JsonValue r = c.delta()._additionalProperties().get("reasoning_content");
                    if (r != null) {
                        reasoning.append(r.asString().orElseThrow());
                    }
                    c.finishReason().ifPresent(f -> finish.add(f.asString()));
                }
                chunk.usage().ifPresent(u -> completionTokens[0] = u.completionTokens());
            });
        }
        assertThat(content.toString()).isEqualTo("The answer is 42.");
        assertThat(reasoning.toString()).isEqualTo("Let me think about it");
        assertThat(finish).containsExactly("stop");
        assertThat(completionTokens[0]).isEqualTo(11); // 6 reasoning chunks + 5 answer chunks of ≤ 4 characters
    }

    @Test
    void completionsContinueRawTextAndModelsListsTheModel() {
        ScriptedModel model = ScriptedModel.replying(" upon a time");
        OpenAiServer server = serve(model, ServerOptions.builder().modelId("golden-q8"));
        OpenAIClient client = client(server, "k");
        Completion c = client.completions().create(CompletionCreateParams.builder().model("golden-q8")
                .prompt("Once").maxTokens(16).temperature(0.0).build());
        assertThat(c.choices().getFirst().text()).isEqualTo(" upon a time");
        assertThat(c.choices().getFirst().finishReason().asString()).isEqualTo("stop");
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(3);
        assertThat(model.lastPrompt().rawText()).isEqualTo("Once");
        assertThat(model.lastPrompt().options().sampler().isGreedy()).isTrue();

        assertThat(client.models().list().data()).singleElement()
                .satisfies(m -> assertThat(m.id()).isEqualTo("golden-q8"))
                .satisfies(m -> assertThat(m.ownedBy()).isEqualTo("jinn"));
    }

    @Test
    void aClientThatDisconnectsMidStreamCancelsItsGeneration() throws Exception {
        ScriptedModel model = new ScriptedModel();
        model.enqueue(ScriptedReply.builder().answer(Collections.nCopies(2000, "tok ").toArray(String[]::new))
                .delayPerChunk(Duration.ofMillis(10)).build());
        OpenAiServer server = serve(model, ServerOptions.builder());
        try (StreamResponse<ChatCompletionChunk> stream = client(server, "k").chat().completions()
                .createStreaming(chat("Talk forever").build())) {
            Iterator<ChatCompletionChunk> it = stream.stream().iterator();
            for (int i = 0; i < 5; i++) {
                it.next();
            }
            assertThat(server.activeGenerations()).isEqualTo(1);
        } // closing the stream closes the connection
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((server.cancelledByClient() < 1 || server.activeGenerations() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.cancelledByClient()).isEqualTo(1);
        assertThat(server.activeGenerations()).isZero();
    }

    @Test
    void badJsonAndMissingFieldsAre400WithOpenAiErrorBodies() throws Exception {
        OpenAiServer server = serve(new ScriptedModel(), ServerOptions.builder());
        Response r = post(server, "/chat/completions", "{\"model\": \"x\", \"messages\": [");
        assertThat(r.statusCode()).isEqualTo(400);
        Map<String, Object> error = error(r);
        assertThat(error).containsEntry("type", "invalid_request_error").containsKeys("param", "code");
        assertThat((String) error.get("message")).contains("not valid JSON");

        r = post(server, "/chat/completions", "{\"model\": \"x\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).containsEntry("param", "messages");

        r = post(server, "/completions", "[1, 2]");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat((String) error(r).get("message")).contains("JSON object");

        r = post(server, "/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).containsEntry("param", "messages[0].role");

        // Out-of-range sampling parameters, through the SDK: a typed 400 naming the option.
        assertThatThrownBy(() -> client(server, "k").chat().completions().create(chat("hi").temperature(-1).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.type()).hasValue("invalid_request_error");
                    assertThat(e.getMessage()).contains("temperature");
                });

        r = request(server, "GET", "/nowhere", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r)).containsEntry("code", "not_found");
    }

    @Test
    void anOversizedRequestIs413() {
        OpenAiServer server = serve(new ScriptedModel(), ServerOptions.builder().maxRequestBytes(64 * 1024));
        String huge = "x".repeat(256 * 1024);
        assertThatThrownBy(() -> client(server, "k").chat().completions().create(chat(huge).build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(413);
                    assertThat(e.code()).hasValue("request_too_large");
                });
        // The server is still fine afterwards.
        assertThat(client(server, "k").chat().completions().create(chat("small").build()).choices()).hasSize(1);
    }

    @Test
    void sixteenConcurrentClientsAreAllServedWithinTheConcurrencyBound() throws Exception {
        ScriptedModel model = new ScriptedModel().whenScriptEmpty(ScriptedReply.builder()
                .reasoning("hm").answer("same", " answer").delayPerChunk(Duration.ofMillis(15)).build());
        OpenAiServer server = serve(model, ServerOptions.builder().maxConcurrency(4));
        OpenAIClient client = client(server, "k");
        AtomicInteger maxActive = new AtomicInteger();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (watching.get()) {
                maxActive.accumulateAndGet(server.activeGenerations(), Math::max);
                Thread.onSpinWait();
            }
        });
        int clients = 20;
        Set<String> answers = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    if (n % 2 == 0) {
                        return client.chat().completions().create(chat("question " + n).build()).choices()
                                .getFirst().message().content().orElseThrow();
                    }
                    StringBuilder sb = new StringBuilder();
                    try (var s = client.chat().completions().createStreaming(chat("question " + n).build())) {
                        s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(sb::append)));
                    }
                    return sb.toString();
                }));
            }
            for (Future<String> f : futures) {
                answers.add(f.get());
            }
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertThat(answers).containsExactly("same answer");
        assertThat(model.prompts()).hasSize(clients);
        assertThat(model.prompts().stream().map(p -> p.lastUserMessage()).distinct()).hasSize(clients);
        assertThat(maxActive.get()).isBetween(1, 4);
        assertThat(server.activeGenerations()).isZero();
    }

    @Test
    void whenAllSlotsAreBusyBeyondTheQueueTimeoutTheServerAnswers429() throws Exception {
        ScriptedModel model = new ScriptedModel();
        model.enqueue(ScriptedReply.builder().answer(Collections.nCopies(300, "a").toArray(String[]::new))
                .delayPerChunk(Duration.ofMillis(10)).build());
        OpenAiServer server = serve(model, ServerOptions.builder().maxConcurrency(1).queueTimeout(Duration.ZERO));
        OpenAIClient client = client(server, "k");
        try (var busy = client.chat().completions().createStreaming(chat("long").build())) {
            busy.stream().iterator().next();
            assertThatThrownBy(() -> client.chat().completions().create(chat("another").build()))
                    .isInstanceOfSatisfying(RateLimitException.class,
                            e -> assertThat(e.code()).hasValue("server_busy"));
            // Closing the server cancels the running generation, so the busy stream ends at once.
            server.close();
            assertThat(server.activeGenerations()).isZero();
        }
    }

    @Test
    void anApiKeyIsRequiredWhenSet() throws Exception {
        OpenAiServer server = serve(ScriptedModel.replying("secret answer"), ServerOptions.builder().apiKey("s3cret"));
        assertThatThrownBy(() -> client(server, "wrong").chat().completions().create(chat("hi").build()))
                .isInstanceOfSatisfying(UnauthorizedException.class,
                        e -> assertThat(e.code()).hasValue("invalid_api_key"));
        Response r = request(server, "GET", "/models", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat((String) error(r).get("message")).contains("missing API key");
        assertThat(client(server, "s3cret").chat().completions().create(chat("hi").build()).choices().getFirst()
                .message().content()).hasValue("secret answer");
    }

    @Test
    void failuresAndOverflowsAreTypedErrors() throws Exception {
        ScriptedModel model = new ScriptedModel("small", 64);
        OpenAiServer server = serve(model, ServerOptions.builder());
        OpenAIClient client = client(server, "k");
        model.failNext(new dev.jinn.GenerationException("the backend ran out of memory"));
        assertThatThrownBy(() -> client.chat().completions().create(chat("hi").build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(500);
                    assertThat(e.code()).hasValue("generation_failed");
                    assertThat(e.getMessage()).contains("ran out of memory");
                });
        // Mid-stream, the failure arrives as an error event, which the SDK raises while iterating.
        model.enqueue(ScriptedReply.builder().answer("partial").failWith(
                new dev.jinn.GenerationException("device lost")).build());
        List<String> got = new ArrayList<>();
        assertThatThrownBy(() -> {
            try (var s = client.chat().completions().createStreaming(chat("hi").build())) {
                s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(got::add)));
            }
        }).hasMessageContaining("device lost");
        assertThat(String.join("", got)).isEqualTo("partial");

        Response r = post(server, "/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \""
                + "word ".repeat(200) + "\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).containsEntry("code", "context_length_exceeded").containsEntry("param", "messages");
        assertThat(server.activeGenerations()).isZero();
    }

    @Test
    void bindsToLoopbackByDefault() {
        assertThat(ServerOptions.DEFAULTS.host()).isEqualTo("127.0.0.1");
        OpenAiServer server = serve(new ScriptedModel(), ServerOptions.builder());
        assertThat(server.baseUri().getHost()).isEqualTo("127.0.0.1");
    }

    record Response(int statusCode, String body) {}

    private static Response post(OpenAiServer server, String path, String body) throws Exception {
        return request(server, "POST", path, body);
    }

    private static Response request(OpenAiServer server, String method, String path, String body) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(server.baseUri() + path).toURL().openConnection();
        c.setRequestMethod(method);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (var out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = c.getResponseCode();
        try (var in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new Response(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Response r) {
        return (Map<String, Object>) Json.parseObject(r.body()).get("error");
    }
}
