package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.Normalizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** llama.cpp's 46 qwen2 tokenizer vectors (no BOS, special-token parsing off). */
class LlamaCppVectorsTest {

    @Test
    void thereAre46Cases() {
        assertThat(TestData.llamaCppCases()).hasSize(46);
    }

    @Test
    void tokenizerJsonReproducesAllVectors() {
        check(TestData.qwenFromJson());
    }

    @Test
    void vocabAndMergesReproduceAllVectors() {
        check(TestData.qwenFromVocab());
    }

    static void check(Tokenizer tok) {
        List<TestData.Case> cases = TestData.llamaCppCases();
        int passed = 0;
        for (TestData.Case c : cases) {
            assertThat(tok.encode(c.text(), false, false)).as("ids of %s", quote(c.text())).containsExactly(c.ids());
            assertThat(tok.decode(c.ids())).as("decode of %s", quote(c.text()))
                    .isEqualTo(Normalizer.normalize(c.text(), Normalizer.Form.NFC));
            passed++;
        }
        assertThat(passed).isEqualTo(46);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
    }
}
