package dev.jinn.quant.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerDataTest {
    static final Path R1 = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"),
            "tokenizer/deepseek-r1-distill-qwen");

    @Test
    void readsTheDeepSeekR1DistillTokenizerAsLlamaCppWouldWriteIt() throws Exception {
        // The shared folder has tokenizer_config.reconstructed.json; give it its real name in a copy.
        Path dir = Files.createTempDirectory("r1tok");
        try {
            Files.copy(R1.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
            Files.copy(R1.resolve("tokenizer_config.reconstructed.json"), dir.resolve("tokenizer_config.json"));
            Files.copy(R1.resolve("chat_template.jinja"), dir.resolve("chat_template.jinja"));
            Files.copy(R1.resolve("config.json"), dir.resolve("config.json"));
            HfTokenizerData d = HfTokenizerData.read(dir, 152064);
            assertThat(d.model()).isEqualTo("gpt2");
            assertThat(d.pre()).isEqualTo("deepseek-r1-qwen");
            assertThat(d.tokens()).hasSize(152064);
            assertThat(d.merges()).hasSize(151387);
            assertThat(d.tokens().get(151646)).isEqualTo("<｜begin▁of▁sentence｜>");
            assertThat(d.bosId()).isEqualTo(151646);
            assertThat(d.eosId()).isEqualTo(151643);
            assertThat(d.addBos()).isTrue();
            assertThat(d.chatTemplate()).contains("<｜Assistant｜>");
            assertThat(d.tokenTypes()[0]).isEqualTo(HfTokenizerData.TYPE_NORMAL);
            assertThat(d.tokenTypes()[151643]).isEqualTo(HfTokenizerData.TYPE_CONTROL);
            assertThat(d.tokenTypes()[151644]).isEqualTo(HfTokenizerData.TYPE_USER_DEFINED); // <｜User｜>: special false
            assertThat(d.tokenTypes()[151648]).isEqualTo(HfTokenizerData.TYPE_USER_DEFINED); // <think>
            assertThat(d.tokenTypes()[151647]).isEqualTo(HfTokenizerData.TYPE_USER_DEFINED); // <|EOT|>
            assertThat(d.tokenTypes()[151650]).isEqualTo(HfTokenizerData.TYPE_CONTROL); // <|quad_start|>
            assertThat(d.tokens().get(152000)).isEqualTo("[PAD152000]");
            assertThat(d.tokenTypes()[152000]).isEqualTo(HfTokenizerData.TYPE_UNUSED);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void clearErrorsForBadFolders(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> HfTokenizerData.read(dir, 0)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("tokenizer.json");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
        assertThatThrownBy(() -> HfTokenizerData.read(dir, 0)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("Unigram");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
        assertThatThrownBy(() -> HfTokenizerData.read(dir, 0)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("malformed JSON");
    }
}
