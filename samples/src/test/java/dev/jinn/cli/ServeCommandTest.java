package dev.jinn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.json.Json;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jinn serve} loads the model through Model.load, serves it, answers a chat request and stops cleanly. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void servesAChatCompletionUntilStopped() throws Exception {
        Path model = dir.resolve("m.fake-model");
        Files.writeString(model, "Let me think.</think>\n\nThe answer.");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread serving = Thread.ofPlatform().start(() -> code.set(JinnCli.execute(new String[] {"serve", "--model",
                model.toString(), "--port", "0", "--api-key", "k3y", "--max-concurrency", "2"}, new StringReader(""),
                new PrintWriter(out, true), new PrintWriter(err, true), false)));
        Pattern url = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/v1)");
        Matcher m = url.matcher("");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!(m = url.matcher(out.toString())).find() && System.nanoTime() < deadline && serving.isAlive()) {
            Thread.sleep(20);
        }
        assertThat(m.hitEnd()).as("serve printed its URL; out=%s err=%s", out, err).isFalse();

        HttpURLConnection c = (HttpURLConnection) URI.create(m.group(1) + "/chat/completions").toURL()
                .openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Authorization", "Bearer k3y");
        c.setRequestProperty("Content-Type", "application/json");
        try (var o = c.getOutputStream()) {
            o.write("{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": 0}"
                    .getBytes(StandardCharsets.UTF_8));
        }
        assertThat(c.getResponseCode()).isEqualTo(200);
        Map<String, Object> body;
        try (var in = c.getInputStream()) {
            body = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> message = (Map<String, Object>) ((Map<String, Object>) ((List<Object>) body.get("choices"))
                .getFirst()).get("message");
        assertThat((String) message.get("content")).contains("The answer.");
        assertThat((String) message.get("reasoning_content")).contains("Let me think.");

        serving.interrupt();
        serving.join(10_000);
        assertThat(serving.isAlive()).isFalse();
        assertThat(code.get()).as("exit code; err=%s", err).isZero();
    }
}
