package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jinn's byte-level BPE against Hugging Face {@code tokenizers} (Rust, through DJL's JNI binding) loading the same
 * tokenizer.json: identical ids with special-token parsing on (HF with its added tokens) and off (HF with the added
 * tokens removed from the file), identical decoding, and decode(encode(x)) == NFC(x).
 *
 * <p>DJL hands Java strings to Rust through JNI's modified UTF-8 and decodes them lossily, so a string with an
 * unpaired surrogate reaches Rust mangled (each surrogate as three U+FFFD, and its emoji as six). Jinn defines an
 * unpaired surrogate as one U+FFFD; for such documents HF gets the text with that replacement already made, and
 * the test checks separately that Jinn gives the same ids for the raw and the replaced text.
 */
class HuggingFaceDifferentialTest {
    @TempDir
    static Path tmp;
    static HuggingFaceTokenizer hfSpecial;
    static HuggingFaceTokenizer hfPlain;

    @BeforeAll
    static void loadHuggingFace() throws IOException {
        Path json = TestData.QWEN.resolve("tokenizer.json");
        hfSpecial = build(json);
        String text = Files.readString(json, StandardCharsets.UTF_8);
        int start = text.indexOf("\"added_tokens\"");
        int open = text.indexOf('[', start);
        int close = text.indexOf(']', open);
        Path plain = tmp.resolve("tokenizer-no-added-tokens.json");
        Files.writeString(plain, text.substring(0, open) + "[]" + text.substring(close + 1), StandardCharsets.UTF_8);
        hfPlain = build(plain);
    }

    private static HuggingFaceTokenizer build(Path json) throws IOException {
        return HuggingFaceTokenizer.builder().optTokenizerPath(json).optAddSpecialTokens(false)
                .optTruncation(false).optPadding(false).build();
    }

    @AfterAll
    static void close() {
        hfSpecial.close();
        hfPlain.close();
    }

    @Test
    void knownTrickyStrings() {
        compare(List.of("'ſa 'ſ 'Sa 'LLx 'ReX", "\u00A0\u00A0x", "a\u0085\u0085b", "\u1680 \u180E x", "e\u0301",
                "   \n\n  x", "x  \r\n\t y", "😀😀 a😀", "<think>hi</think><｜User｜>q<｜Assistant｜>", "<<think>>",
                "3.14159265358979 ١٢٣ ๑๒", "\u2028\u2029 z", "", " ", "\t", "\n\n\n", "a'S", "ǅungla ǅ"));
    }

    @Test
    void oneMegabyteSlice() {
        List<String> docs = Corpus.documents(42, 1 << 20);
        assertThat(docs.stream().mapToLong(String::length).sum()).isGreaterThanOrEqualTo(1 << 20);
        compare(docs);
    }

    @Test
    @Tag("slow")
    void tenMegabytes() {
        List<String> docs = Corpus.documents(7, 10 << 20);
        assertThat(docs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum())
                .isGreaterThanOrEqualTo(10L << 20);
        compare(docs);
    }

    private static void compare(List<String> docs) {
        Tokenizer jinn = TestData.qwenFromJson();
        int checked = 0;
        for (String raw : docs) {
            String doc = TextNormalization.replaceUnpairedSurrogates(raw);
            int[] special = jinn.encode(doc, false, true);
            int[] plain = jinn.encode(doc, false, false);
            assertThat(special).as("parse on: %s", excerpt(doc, special, hfSpecial.encode(doc, false, false).getIds()))
                    .containsExactly(toInts(hfSpecial.encode(doc, false, false).getIds()));
            assertThat(plain).as("parse off: %s", excerpt(doc, plain, hfPlain.encode(doc, false, false).getIds()))
                    .containsExactly(toInts(hfPlain.encode(doc, false, false).getIds()));
            assertThat(jinn.decode(special)).isEqualTo(hfSpecial.decode(toLongs(special), false));
            assertThat(jinn.decode(plain)).isEqualTo(Normalizer.normalize(doc, Normalizer.Form.NFC));
            if (!doc.equals(raw)) {
                assertThat(jinn.encode(raw, false, true)).containsExactly(special);
            }
            checked++;
        }
        assertThat(checked).isEqualTo(docs.size());
    }

    private static String excerpt(String doc, int[] mine, long[] theirs) {
        int i = 0;
        while (i < mine.length && i < theirs.length && mine[i] == theirs[i]) {
            i++;
        }
        int from = Math.max(0, i - 3);
        String jinnIds = Arrays.toString(Arrays.copyOfRange(mine, from, Math.min(mine.length, i + 5)));
        String hfIds = Arrays.toString(Arrays.copyOfRange(theirs, from, Math.min(theirs.length, i + 5)));
        String decoded = TestData.qwenFromJson().decode(Arrays.copyOfRange(mine, from, Math.min(mine.length, i + 5)));
        return "first difference at token " + i + ": jinn " + jinnIds + " hf " + hfIds + " around "
                + decoded.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList();
    }

    private static int[] toInts(long[] a) {
        return Arrays.stream(a).mapToInt(Math::toIntExact).toArray();
    }

    private static long[] toLongs(int[] a) {
        return Arrays.stream(a).asLongStream().toArray();
    }
}
