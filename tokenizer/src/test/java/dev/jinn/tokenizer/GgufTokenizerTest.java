package dev.jinn.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufTokenizerTest {
    @TempDir
    static Path tmp;

    private static GgufMetadata metadataOf(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            return f.metadata();
        }
    }

    @Test
    void goldenModelTokenizesItsPromptAsLlamaCppDid() {
        Path golden = TestData.DATA.resolve("golden");
        Tokenizer tok = Tokenizers.fromGguf(metadataOf(golden.resolve("golden-q8_0.gguf")));
        assertThat(tok.vocabularySize()).isEqualTo(4118);
        assertThat(tok.bosId()).isEqualTo(4099);
        assertThat(tok.eosId()).isEqualTo(4096);
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.isControl(4096)).isTrue();                 // <｜end▁of▁sentence｜> is a control token
        assertThat(tok.isControl(4097)).isFalse();                // <｜User｜> is user-defined, as in HF (special: false)
        assertThat(tok.isControl(4101)).isFalse();                // <think> too
        String prompt = TestData.read(golden.resolve("prompt.txt"));
        int[] expected = Arrays.stream(TestData.read(golden.resolve("prompt.tokens.txt")).trim().split(","))
                .mapToInt(Integer::parseInt).toArray();
        assertThat(tok.encode(prompt, false, true)).containsExactly(expected);
        assertThat(tok.decode(expected)).isEqualTo(prompt);
        // Parsing off: the markers are plain text and no control id can appear.
        int[] plain = tok.encode(prompt, false, false);
        assertThat(Arrays.stream(plain).boxed().toList()).allMatch(id -> !tok.isControl(id) && id < 4096);
        assertThat(tok.decode(plain)).isEqualTo(prompt);
    }

    /** A vocab-only GGUF with the full 151,665-token vocabulary, as llama.cpp's vocab files are. */
    static synchronized Path fullVocabGguf() {
        Path p = tmp.resolve("ggml-vocab-deepseek-r1-qwen.gguf");
        if (p.toFile().exists()) {
            return p;
        }
        Map<String, Object> root = Tokenizers.readJsonObject(TestData.QWEN.resolve("tokenizer.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) root.get("model");
        @SuppressWarnings("unchecked")
        Map<String, Object> vocab = (Map<String, Object>) model.get("vocab");
        List<AddedToken> added = TestData.addedTokens();
        String[] pieces = new String[vocab.size() + added.size()];
        int[] types = new int[pieces.length];
        Arrays.fill(types, 1);
        vocab.forEach((k, v) -> pieces[(int) (long) (Long) v] = k);
        for (AddedToken t : added) {
            pieces[t.id()] = t.content();
            types[t.id()] = t.special() ? 3 : 4;          // as llama.cpp's converter writes them
        }
        List<String> merges = new ArrayList<>();
        for (Object m : (List<?>) model.get("merges")) {
            merges.add((String) m);
        }
        try (GgufWriter w = GgufWriter.create(p)) {
            w.putString("general.architecture", "qwen2");
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "deepseek-r1-qwen");
            w.putStringArray("tokenizer.ggml.tokens", Arrays.asList(pieces));
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putStringArray("tokenizer.ggml.merges", merges);
            w.putUInt32("tokenizer.ggml.bos_token_id", 151646);
            w.putUInt32("tokenizer.ggml.eos_token_id", 151643);
            w.putUInt32("tokenizer.ggml.padding_token_id", 151643);
            w.putBool("tokenizer.ggml.add_bos_token", true);
            w.putString("tokenizer.chat_template", TestData.read(TestData.QWEN.resolve("chat_template.jinja")));
        }
        return p;
    }

    @Test
    void fullVocabularyGgufReproducesAllLlamaCppVectors() {
        GgufMetadata md = metadataOf(fullVocabGguf());
        Tokenizer tok = Tokenizers.fromGguf(md);
        assertThat(tok.vocabularySize()).isEqualTo(151665);
        assertThat(tok.bosId()).isEqualTo(151646);
        assertThat(tok.eosId()).isEqualTo(151643);
        LlamaCppVectorsTest.check(tok);
        assertThat(tok.encode("<｜begin▁of▁sentence｜><｜User｜>Hello, world!<｜Assistant｜>", false, true))
                .containsExactly(151646, 151644, 9707, 11, 1879, 0, 151645);
        assertThat(ChatTemplate.fromGguf(md).name()).isEqualTo("deepseek-r1");
    }

    @Test
    void unsupportedPreTokenizerIsRefusedByName() {
        Path p = tmp.resolve("bad-pre.gguf");
        try (GgufWriter w = GgufWriter.create(p)) {
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "llama-bpe");
            w.putStringArray("tokenizer.ggml.tokens", List.of("a"));
            w.putStringArray("tokenizer.ggml.merges", List.of());
        }
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(p)))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("llama-bpe");
    }

    @Test
    void missingTokensKeyIsAClearError() {
        Path p = tmp.resolve("no-tokens.gguf");
        try (GgufWriter w = GgufWriter.create(p)) {
            w.putString("tokenizer.ggml.model", "gpt2");
        }
        assertThatThrownBy(() -> Tokenizers.fromGguf(metadataOf(p)))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("tokenizer.ggml.tokens");
        assertThatThrownBy(() -> ChatTemplate.fromGguf(metadataOf(p))).hasMessageContaining("tokenizer.chat_template");
    }

    @Test
    void llamaGgufUsesScoresAndByteFallback() {
        // A tiny SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte tokens, then pieces with scores.
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            scores.add(0f);
            types.add(6);
        }
        String[] pieces = {"▁", "h", "e", "l", "o", "▁h", "ll", "▁he", "llo", "▁hello", "w", "r", "d"};
        float[] sc = {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13};
        for (int i = 0; i < pieces.length; i++) {
            tokens.add(pieces[i]);
            scores.add(sc[i]);
            types.add(1);
        }
        Path p = tmp.resolve("spm.gguf");
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) {
            scoreArray[i] = scores.get(i);
        }
        try (GgufWriter w = GgufWriter.create(p)) {
            w.putString("tokenizer.ggml.model", "llama");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putFloat32Array("tokenizer.ggml.scores", scoreArray);
            w.putInt32Array("tokenizer.ggml.token_type", types.stream().mapToInt(Integer::intValue).toArray());
            w.putUInt32("tokenizer.ggml.bos_token_id", 1);
            w.putUInt32("tokenizer.ggml.eos_token_id", 2);
        }
        Tokenizer tok = Tokenizers.fromGguf(metadataOf(p));
        int base = 259;
        // "hello wé": ▁hello, ▁ w? "▁w" is not a piece, so ▁ then w; é has no piece: bytes C3 A9.
        int[] ids = tok.encode("hello wé", true, false);
        assertThat(ids).containsExactly(1, base + 9, base, base + 10, 3 + 0xC3, 3 + 0xA9);
        assertThat(tok.decode(ids)).isEqualTo("<s>hello wé");
        assertThat(tok.decode(Arrays.copyOfRange(ids, 1, ids.length))).isEqualTo("hello wé");
        // Special parsing: "<s>" in text becomes BOS only when parsing is on.
        assertThat(tok.encode("<s>", false, true)).containsExactly(1);
        assertThat(tok.encode("<s>", false, false)).doesNotContain(1);
        Tokenizer.StreamingDecoder sd = tok.newStreamingDecoder(false);
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(sd.accept(id));
        }
        assertThat(out.append(sd.flush()).toString()).isEqualTo("hello wé");
    }
}
