package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    private final Tokenizer tok = TestData.qwenFromJson();

    @Test
    void multiByteCharacterSplitOverTwoTokensIsEmittedOnceWhole() {
        // "😀" is F0 9F 98 80: byte-level tokens for each byte, fed one at a time.
        int[] ids = new int[4];
        byte[] bytes = "😀".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < 4; i++) {
            ids[i] = tok.tokenId(String.valueOf(ByteLevel.BYTE_TO_CHAR[bytes[i] & 0xFF]));
        }
        Tokenizer.StreamingDecoder sd = tok.newStreamingDecoder(true);
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(sd.accept(id));
        }
        assertThat(out).containsExactly("", "", "", "😀");
        assertThat(sd.flush()).isEmpty();
    }

    @Test
    void incompleteTailBecomesReplacementOnFlush() {
        Tokenizer.StreamingDecoder sd = tok.newStreamingDecoder(true);
        int e0 = tok.tokenId(String.valueOf(ByteLevel.BYTE_TO_CHAR[0xE4]));
        assertThat(sd.accept(tok.encode("a", false, false)[0])).isEqualTo("a");
        assertThat(sd.accept(e0)).isEmpty();
        assertThat(sd.flush()).isEqualTo("\uFFFD");
        // An interrupted sequence: the lead byte becomes U+FFFD and the following text is kept.
        assertThat(sd.accept(e0)).isEmpty();
        assertThat(sd.accept(tok.encode("b", false, false)[0])).isEqualTo("\uFFFDb");
    }

    @Test
    void streamEqualsWholeDecodeOnRandomText() {
        SplittableRandom r = new SplittableRandom(3);
        for (int round = 0; round < 30; round++) {
            String text = TextNormalization.replaceUnpairedSurrogates(Corpus.generated(r, 2000));
            int[] ids = tok.encode(text, true, true);
            Tokenizer.StreamingDecoder sd = tok.newStreamingDecoder(true);
            StringBuilder b = new StringBuilder();
            for (int id : ids) {
                String piece = sd.accept(id);
                assertThat(piece.isEmpty() || !Character.isHighSurrogate(piece.charAt(piece.length() - 1))).isTrue();
                if (!text.contains("\uFFFD")) {
                    assertThat(piece).doesNotContain("\uFFFD");    // never half a character
                }
                b.append(piece);
            }
            b.append(sd.flush());
            assertThat(b.toString()).isEqualTo(tok.decode(ids));
        }
    }

    @Test
    void specialTokensCanBeHiddenOrShown() {
        int[] ids = tok.encode("<｜begin▁of▁sentence｜>Hi<think>x</think><｜end▁of▁sentence｜>", false, true);
        assertThat(ids[0]).isEqualTo(151646);
        assertThat(stream(tok.newStreamingDecoder(true), ids))
                .isEqualTo("<｜begin▁of▁sentence｜>Hi<think>x</think><｜end▁of▁sentence｜>");
        // Hidden: control tokens (HF special: bos, eos); <think> is not special and stays visible.
        assertThat(stream(tok.newStreamingDecoder(false), ids)).isEqualTo("Hi<think>x</think>");
    }

    @Test
    void outOfRangeIdIsRejected() {
        Tokenizer.StreamingDecoder sd = tok.newStreamingDecoder(true);
        assertThatThrownBy(() -> sd.accept(tok.vocabularySize())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(tok.vocabularySize()));
        assertThatThrownBy(() -> sd.accept(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String stream(Tokenizer.StreamingDecoder sd, int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            b.append(sd.accept(id));
        }
        return b.append(sd.flush()).toString();
    }
}
