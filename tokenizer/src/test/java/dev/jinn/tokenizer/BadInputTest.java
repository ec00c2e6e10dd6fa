package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    private final Tokenizer tok = TestData.qwenFromJson();

    @Test
    void nullTextAndIdsAreRejected() {
        assertThatThrownBy(() -> tok.encode(null, false, false)).isInstanceOf(NullPointerException.class).hasMessageContaining("text");
        assertThatThrownBy(() -> tok.decode(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ChatTemplate.fromJinja(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void emptyTextGivesNoIdsOrJustBos() {
        assertThat(tok.encode("", false, true)).isEmpty();
        assertThat(tok.encode("", true, true)).containsExactly(151646);
        assertThat(tok.decode(new int[0])).isEmpty();
    }

    @Test
    void unpairedSurrogatesAreEncodedAsReplacementCharacters() {
        int[] fffd = tok.encode("a\uFFFDb\uFFFD", false, false);
        assertThat(tok.encode("a\uD800b\uDFFF", false, false)).containsExactly(fffd);
        assertThat(tok.decode(fffd)).isEqualTo("a\uFFFDb\uFFFD");
        // A proper pair is one character.
        assertThat(tok.decode(tok.encode("\uD83D\uDE00", false, false))).isEqualTo("😀");
    }

    @Test
    void idsOutOfRangeAreRejectedOnDecode() {
        int n = tok.vocabularySize();
        assertThatThrownBy(() -> tok.decode(new int[] {1, n})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id " + n).hasMessageContaining("0.." + (n - 1));
        assertThatThrownBy(() -> tok.decode(new int[] {-5})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tok.tokenPiece(n)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tok.isControl(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidUtf8FromIdsBecomesReplacementCharacters() {
        int lead = tok.tokenId(String.valueOf(ByteLevel.BYTE_TO_CHAR[0xE4]));
        assertThat(tok.decode(new int[] {lead, tok.encode("x", false, false)[0]})).isEqualTo("\uFFFDx");
    }

    @Test
    void sixteenMegabyteInputIsEncodedCompletely() {
        encodesCompletely(16);
    }

    @Test
    @Tag("slow")
    void hundredMegabyteInputIsEncodedCompletely() {
        encodesCompletely(100);
    }

    private void encodesCompletely(int megabytes) {
        // Many short pieces, then a 1 MB single word: linear time, memory proportional to the input.
        String unit = "word12, ";
        String big = unit.repeat(megabytes * (1 << 20) / unit.length());
        int[] ids = tok.encode(big, false, false);
        assertThat(ids.length).isGreaterThan(big.length() / unit.length() * 4);
        assertThat(tok.decode(ids)).isEqualTo(big);
        String longWord = "a".repeat(1 << 20);
        int[] w = tok.encode(longWord, false, false);
        assertThat(tok.decode(w)).isEqualTo(longWord);
    }

    @Test
    void malformedFilesGiveModelFileExceptions(@TempDir Path tmp) throws Exception {
        Path notJson = tmp.resolve("tokenizer.json");
        Files.writeString(notJson, "{\"model\": ");
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(notJson)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("tokenizer.json");
        Path wordPiece = tmp.resolve("wp.json");
        Files.writeString(wordPiece, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(wordPiece)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("WordPiece");
        Path vocab = tmp.resolve("vocab.json");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1}");
        Path merges = tmp.resolve("merges.txt");
        Files.writeString(merges, "a b\n");
        assertThatThrownBy(() -> Tokenizers.fromVocabAndMerges(vocab, merges, List.of(), -1, -1, false))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("byte");
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(tmp.resolve("absent.json")))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("absent.json");
    }
}
