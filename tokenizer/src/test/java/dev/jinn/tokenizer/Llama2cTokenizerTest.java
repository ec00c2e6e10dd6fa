package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    static final Path TOK = TestData.DATA.resolve("tiny-model/tok512.bin");
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it, but it was too high.\n"
            + "Lily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do.";

    @Test
    void encodesTheStoryAsTheModelGeneratedIt() {
        Tokenizer tok = Tokenizers.fromLlama2c(TOK);
        assertThat(tok.vocabularySize()).isEqualTo(512);
        assertThat(tok.bosId()).isEqualTo(1);
        assertThat(tok.eosId()).isEqualTo(2);
        int[] ids = tok.encode(STORY, true, false);
        // llama2.c's greedy generation from BOS starts with these ids for "Once upon a time, there was a little g".
        assertThat(Arrays.copyOf(ids, 11)).containsExactly(1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298);
        assertThat(tok.decode(ids)).isEqualTo("\n<s>\n" + STORY);
        assertThat(tok.decode(Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo(STORY);
        Tokenizer.StreamingDecoder sd = tok.newStreamingDecoder(false);
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            b.append(sd.accept(id));
        }
        assertThat(b.append(sd.flush()).toString()).isEqualTo(STORY);
    }

    @Test
    void charactersWithoutPiecesFallBackToBytes() {
        Tokenizer tok = Tokenizers.fromLlama2c(TOK);
        int[] ids = tok.encode("😀", false, false);                // " " then F0 9F 98 80 as <0xF0>.. (id = byte + 3)
        assertThat(ids).containsExactly(tok.tokenId(" "), 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3);
        assertThat(tok.decode(ids)).isEqualTo("😀");
        assertThat(tok.decode(tok.encode("é€😀 ok", false, false))).isEqualTo("é€😀 ok");
        assertThat(tok.encode("", true, false)).containsExactly(1);
    }

    @Test
    void mergingWordByWordGivesTheSameIdsAsMergingTheWholeText() {
        SentencePieceBpeTokenizer tok = (SentencePieceBpeTokenizer) Tokenizers.fromLlama2c(TOK);
        assertThat(tok.wordsMergeAlone).isTrue();
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (int i = 0; i < 20; i++) {
            String text = Corpus.generated(r, 3000) + STORY;
            assertThat(tok.encode(text, true, true, true)).containsExactly(tok.encode(text, true, true, false));
        }
    }

    @Test
    void largeInputIsEncodedCompletely() {
        Tokenizer tok = Tokenizers.fromLlama2c(TOK);
        String big = (STORY + " ").repeat((8 << 20) / (STORY.length() + 1));
        int[] ids = tok.encode(big, false, false);
        assertThat(tok.decode(ids)).isEqualTo(big);
    }

    @Test
    void truncatedFileIsRefused(@TempDir Path tmp) throws Exception {
        byte[] all = Files.readAllBytes(TOK);
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(cut)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("cut.bin").hasMessageContaining("token 511");
        assertThatThrownBy(() -> Tokenizers.fromLlama2c(tmp.resolve("missing.bin"))).isInstanceOf(ModelFileException.class);
    }
}
