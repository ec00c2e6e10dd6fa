package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AddedTokensTest {
    private final Tokenizer tok = TestData.qwenFromJson();

    @Test
    void everyAddedTokenIsItsIdWithParsingOnAndPlainTextWithParsingOff() {
        for (AddedToken t : TestData.addedTokens()) {
            assertThat(tok.encode(t.content(), false, true)).as(t.content()).containsExactly(t.id());
            assertThat(tok.tokenId(t.content())).isEqualTo(t.id());
            assertThat(tok.isControl(t.id())).as(t.content()).isEqualTo(t.special());
            int[] plain = tok.encode("x" + t.content() + "y", false, false);
            assertThat(Arrays.stream(plain).max().orElseThrow()).as(t.content()).isLessThan(151643);
            assertThat(tok.decode(plain)).isEqualTo("x" + t.content() + "y");
        }
    }

    @Test
    void addedTokensAreFoundInsideWordsAndNextToEachOther() {
        assertThat(tok.encode("a<think></think>b<｜User｜><｜User｜>", false, true))
                .containsExactly(64, 151648, 151649, 65, 151644, 151644);
        // Not quite a token: plain text.
        int[] near = tok.encode("<｜User｜ ><thin k>", false, true);
        assertThat(Arrays.stream(near).max().orElseThrow()).isLessThan(151643);
    }

    @Test
    void textBetweenTokensIsNormalizedOnItsOwn() {
        // "e" + U+0301 composes to "é" inside a segment.
        assertThat(tok.encode("<think>e\u0301", false, true)).containsExactly(tok.encode("<think>é", false, true));
    }

    @Test
    void bosIsPrependedOnlyWhenAsked() {
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.encode("Hello", true, false)).containsExactly(151646, 9707);
        assertThat(tok.encode("Hello", false, false)).containsExactly(9707);
    }
}
