package dev.jinn.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.json.Json;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {
    @Test
    void writesWhatTheStrictParserReadsBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t bell \u0007 sep \u2028 emoji 😀 中文");
        m.put("i", 42L);
        m.put("d", 0.25);
        m.put("b", true);
        m.put("n", null);
        m.put("l", Arrays.asList(1, "two", null, List.of()));
        m.put("o", Map.of());
        String json = JsonWriter.write(m);
        assertThat(Json.parse(json)).isEqualTo(m.entrySet().stream().collect(LinkedHashMap::new,
                (acc, e) -> acc.put(e.getKey(), e.getKey().equals("l") ? Arrays.asList(1L, "two", null, List.of())
                        : e.getValue()), Map::putAll));
        assertThat(json).startsWith("{\"s\":").doesNotContain("\u2028").contains("\\u0007");
    }

    @Test
    void nonFiniteNumbersBecomeNull() {
        assertThat(JsonWriter.write(List.of(Double.NaN, Double.POSITIVE_INFINITY, 1.5f))).isEqualTo("[null,null,1.5]");
    }
}
