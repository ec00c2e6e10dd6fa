package dev.jinn.quant.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\"], \"b\": {}} ");
        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, -2500.0, true, false, null, "x\né😀"), "b", Map.of()));
        assertThat(Json.parse("12345678901234567890")).isEqualTo(1.2345678901234567E19);
        assertThat(Json.parse("[]")).isEqualTo(List.of());
    }

    @Test
    void rejectsMalformedInputWithOffset() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"abc", "tru", "[1] x", "\"\\q\"", "{1:2}", "-"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(JsonException.class).hasMessageContaining("offset");
        }
        assertThatThrownBy(() -> Json.parse("[".repeat(100_000))).isInstanceOf(JsonException.class).hasMessageContaining("nesting");
    }

    @Test
    void readsTheRealTokenizerJson() throws Exception {
        Path p = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "tokenizer/deepseek-r1-distill-qwen/tokenizer.json");
        Map<String, Object> m = Json.parseObject(Files.readString(p));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) m.get("model");
        assertThat(((Map<?, ?>) model.get("vocab")).size()).isEqualTo(151643);
    }
}
