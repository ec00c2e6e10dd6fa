package dev.jinn.runtime.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ChatResponse;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.ModelFileException;
import dev.jinn.ModelInfo;
import dev.jinn.ModelOptions;
import dev.jinn.Prompt;
import dev.jinn.Sampler;
import dev.jinn.Session;
import dev.jinn.engine.session.EngineModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** End to end through the public API on a real GGUF file written by llama.cpp's tools. */
class GoldenSessionTest {
    private static final Path GOLDEN = Path.of(System.getProperty("jinn.shared.data"), "golden");

    private static int[] ids(String file) throws IOException {
        return Arrays.stream(Files.readString(GOLDEN.resolve(file)).strip().split(","))
                .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    }

    private static Model load() {
        return Model.load(GOLDEN.resolve("golden-q8_0.gguf"), ModelOptions.builder().threads(2).contextLength(256).build());
    }

    @Test
    void infoComesFromTheFile() {
        try (Model model = load()) {
            ModelInfo info = model.info();
            assertThat(info.architecture()).isEqualTo("qwen2");
            assertThat(info.vocabularySize()).isEqualTo(4118);
            assertThat(info.layers()).isEqualTo(2);
            assertThat(info.hiddenSize()).isEqualTo(512);
            assertThat(info.contextLength()).isEqualTo(256);
            assertThat(info.codecs()).contains("Q8_0", "F32");
            assertThat(info.chatTemplate()).contains("<｜Assistant｜>");
            assertThat(info.specialTokens()).containsEntry("<think>", 4101).containsEntry("<｜User｜>", 4097);
            assertThat(info.bosToken()).isEqualTo("<｜begin▁of▁sentence｜>");
            assertThat(info.eosToken()).isEqualTo("<｜end▁of▁sentence｜>");
            assertThat(info.backend()).isEqualTo("cpu");
            assertThat(info.recommendedSampler()).isEqualTo(Sampler.deepSeekR1Distill());
            assertThat(info.identity()).startsWith("sha256:");
        }
    }

    @Test
    void chatPromptIsTokenizedAsLlamaCppAndGreedyDecodingFollowsIt() throws IOException {
        int[] promptIds = ids("prompt.tokens.txt");
        int[] greedy = ids("golden-q8_0.llamacpp-greedy32.txt");
        try (Model model = load(); Session s = model.newSession()) {
            var tok = ((EngineModel) model).tokenizer();
            String user = "Write a haiku about the sea, then explain why 17 is prime.";
            StringBuilder text = new StringBuilder();
            var g = s.generate(Prompt.user(user), GenerationOptions.builder().sampler(Sampler.greedy())
                    .maxTokens(8).stopTokens(java.util.Set.of()).build());
            g.drain(e -> {
                if (e instanceof GenerationEvent.Reasoning r) {
                    text.append(r.text());
                } else if (e instanceof GenerationEvent.Answer a) {
                    text.append("</think>").append(a.text());
                }
            });
            // same prompt length as llama.cpp's tokenization of the rendered template
            assertThat(g.done().usage().promptTokens()).isEqualTo(promptIds.length);
            // the prompt ends in "<think>\n", so the first tokens are reasoning; compare with llama.cpp's greedy ids
            String expected = tok.decode(Arrays.copyOf(greedy, 8));
            assertThat(text.toString()).isEqualTo(expected);
        }
    }

    @Test
    void rawPromptWithSpecialTokensMatchesTheChatPrompt() throws IOException {
        String raw = Files.readString(GOLDEN.resolve("prompt.txt")).stripTrailing() + "\n";
        GenerationOptions o = GenerationOptions.builder().sampler(Sampler.greedy()).maxTokens(6).build();
        try (Model model = load(); Session chat = model.newSession(); Session rawSession = model.newSession()) {
            ChatResponse c = chat.chat(Prompt.user("Write a haiku about the sea, then explain why 17 is prime."), o);
            var g = rawSession.generate(Prompt.raw(raw), o);
            String rawText = g.stream().filter(e -> e instanceof GenerationEvent.Reasoning)
                    .map(e -> ((GenerationEvent.Reasoning) e).text()).collect(Collectors.joining());
            assertThat(g.done().usage().promptTokens()).isEqualTo(ids("prompt.tokens.txt").length);
            assertThat(rawText).isEqualTo(c.reasoning());
        }
    }

    @Test
    void safetensorsFoldersAskForConversion(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("jinn convert");
    }

    @Test
    void memoryLimitIsEnforced() {
        assertThatThrownBy(() -> Model.load(GOLDEN.resolve("golden-q8_0.gguf"),
                ModelOptions.builder().memoryLimitBytes(1024).build()))
                .isInstanceOf(dev.jinn.BackendUnavailableException.class).hasMessageContaining("memoryLimitBytes");
    }

    @Test
    void seededSamplingGivesTheSameTextOnAnyThreadCount() {
        GenerationOptions o = GenerationOptions.builder().sampler(Sampler.deepSeekR1Distill()).seed(1234L)
                .maxTokens(12).build();
        String[] out = new String[2];
        int[] threads = {1, 2};
        for (int i = 0; i < 2; i++) {
            try (Model model = Model.load(GOLDEN.resolve("golden-q8_0.gguf"),
                    ModelOptions.builder().threads(threads[i]).contextLength(128).build());
                 Session s = model.newSession()) {
                ChatResponse r = s.chat("Tell me about the sea.", o);
                out[i] = r.reasoning() + "|" + r.answer();
            }
        }
        assertThat(out[1]).isEqualTo(out[0]);
    }
}
