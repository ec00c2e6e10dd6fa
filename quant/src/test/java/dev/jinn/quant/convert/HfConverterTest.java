package dev.jinn.quant.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.Quantizer;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufTensorInfo;
import dev.jinn.quant.hf.HfTensorNames;
import dev.jinn.quant.safetensors.SafetensorsDType;
import dev.jinn.quant.safetensors.SafetensorsWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trip through a Hugging Face folder: golden-f16.gguf's tensors and vocabulary are written out as HF files
 * (config.json, safetensors in F32, tokenizer.json), converted back, and compared with the original file.
 */
class HfConverterTest {
    static final Path GOLDEN = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "golden");
    static final Path R1 = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "tokenizer/deepseek-r1-distill-qwen");

    @Test
    void goldenF16ThroughHuggingFaceFilesComesBackIdentical(@TempDir Path dir) throws Exception {
        Path hf = dir.resolve("hf");
        writeHfFolderFromGguf(GOLDEN.resolve("golden-f16.gguf"), hf);
        Path out = dir.resolve("back-f16.gguf");
        long[] last = {0, 0};
        HfConverter.convert(hf, out, Quantization.F16, "golden", (d, t) -> { last[0] = d; last[1] = t; });
        assertThat(last[0]).isEqualTo(last[1]).isPositive();
        try (GgufFile ref = GgufFile.open(GOLDEN.resolve("golden-f16.gguf")); GgufFile ours = GgufFile.open(out)) {
            assertThat(ours.tensors()).hasSameSizeAs(ref.tensors());
            for (GgufTensorInfo r : ref.tensors()) {
                GgufTensorInfo o = ours.requireTensor(r.name());
                assertThat(o.type()).as(r.name()).isEqualTo(r.type());
                assertThat(o.dims()).as(r.name()).containsExactly(r.dims());
                // F16 -> F32 -> F16 is lossless: the bytes are llama.cpp's.
                assertThat(ours.data(o).mismatch(ref.data(r))).as(r.name()).isEqualTo(-1);
            }
            GgufMetadata m = ours.metadata(), g = ref.metadata();
            for (String k : List.of("qwen2.block_count", "qwen2.embedding_length", "qwen2.feed_forward_length",
                    "qwen2.attention.head_count", "qwen2.attention.head_count_kv", "qwen2.context_length",
                    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id")) {
                assertThat(m.getLong(k)).as(k).isEqualTo(g.getLong(k));
            }
            assertThat(m.getFloat("qwen2.rope.freq_base")).isEqualTo(g.getFloat("qwen2.rope.freq_base"));
            assertThat(m.getFloat("qwen2.attention.layer_norm_rms_epsilon")).isEqualTo(g.getFloat("qwen2.attention.layer_norm_rms_epsilon"));
            assertThat(m.getStringList("tokenizer.ggml.tokens")).isEqualTo(g.getStringList("tokenizer.ggml.tokens"));
            assertThat(m.getIntArray("tokenizer.ggml.token_type")).isEqualTo(g.getIntArray("tokenizer.ggml.token_type"));
            assertThat(m.getStringList("tokenizer.ggml.merges")).isEqualTo(g.getStringList("tokenizer.ggml.merges"));
            assertThat(m.getString("tokenizer.ggml.pre")).isEqualTo(g.getString("tokenizer.ggml.pre"));
            assertThat(m.getString("tokenizer.chat_template")).isEqualTo(g.getString("tokenizer.chat_template"));
        }
    }

    @Test
    void q4KmConversionUsesLlamaCppsMixAndStaysCloseToTheSource(@TempDir Path dir) throws Exception {
        Path hf = dir.resolve("hf");
        writeHfFolderFromGguf(GOLDEN.resolve("golden-f16.gguf"), hf);
        Path out = dir.resolve("q4km.gguf");
        HfConverter.convert(hf, out, Quantization.Q4_K_M, "golden", Progress.NONE);
        try (GgufFile ref = GgufFile.open(GOLDEN.resolve("golden-q4_k_m.gguf")); GgufFile ours = GgufFile.open(out);
             GgufFile f16 = GgufFile.open(GOLDEN.resolve("golden-f16.gguf"))) {
            for (GgufTensorInfo r : ref.tensors()) {
                GgufTensorInfo o = ours.requireTensor(r.name());
                assertThat(o.type()).as(r.name()).isEqualTo(r.type());
                if (o.rank() == 2) {
                    float[] a = Quantizer.decodeAll(o.type(), ours.data(o), o.elementCount());
                    GgufTensorInfo s = f16.requireTensor(r.name());
                    float[] b = Quantizer.decodeAll(s.type(), f16.data(s), s.elementCount());
                    double err = 0, sig = 0;
                    for (int i = 0; i < a.length; i++) {
                        err += (a[i] - b[i]) * (a[i] - b[i]);
                        sig += b[i] * b[i];
                    }
                    assertThat(Math.sqrt(err / sig)).as(r.name()).isLessThan(0.12);
                }
            }
        }
    }

    @Test
    void llamaQAndKRowsArePermutedToInterleavedPairs() {
        // head dim 8: output rows 0..7 of a head come from input rows 0,4,1,5,2,6,3,7.
        long[] got = new long[16];
        for (int i = 0; i < 16; i++) {
            got[i] = HfConverter.permutedRow(i, 8);
        }
        assertThat(got).containsExactly(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
    }

    @Test
    void tokenizerLargerThanTheEmbeddingIsRefused(@TempDir Path dir) throws Exception {
        Path hf = dir.resolve("hf");
        writeHfFolderFromGguf(GOLDEN.resolve("golden-f16.gguf"), hf);
        Files.copy(R1.resolve("tokenizer.json"), hf.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> HfConverter.convert(hf, dir.resolve("x.gguf"), Quantization.F16, "x", Progress.NONE))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("tokens but model.embed_tokens.weight has only 4118 rows");
        Files.delete(hf.resolve("config.json"));
        assertThatThrownBy(() -> HfConverter.convert(hf, dir.resolve("y.gguf"), Quantization.F16, "x", Progress.NONE))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("config.json");
    }

    /** Writes config.json, model.safetensors (F32) and tokenizer files for a Qwen2 GGUF. */
    static void writeHfFolderFromGguf(Path gguf, Path hf) throws Exception {
        Files.createDirectories(hf);
        try (GgufFile g = GgufFile.open(gguf)) {
            GgufMetadata m = g.metadata();
            Files.writeString(hf.resolve("config.json"), """
                    {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": %d,
                     "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                     "intermediate_size": %d, "vocab_size": %d, "max_position_embeddings": %d,
                     "rope_theta": %s, "rms_norm_eps": %s, "tie_word_embeddings": false, "torch_dtype": "float32",
                     "bos_token_id": %d, "eos_token_id": %d}
                    """.formatted(m.getLong("qwen2.embedding_length"), m.getLong("qwen2.block_count"),
                    m.getLong("qwen2.attention.head_count"), m.getLong("qwen2.attention.head_count_kv"),
                    m.getLong("qwen2.feed_forward_length"), g.requireTensor("token_embd.weight").dim(1),
                    m.getLong("qwen2.context_length"), Double.toString(m.getFloat("qwen2.rope.freq_base")),
                    Double.toString(m.getFloat("qwen2.attention.layer_norm_rms_epsilon")),
                    m.getLong("tokenizer.ggml.bos_token_id"), m.getLong("tokenizer.ggml.eos_token_id")));
            try (SafetensorsWriter w = SafetensorsWriter.create(hf.resolve("model.safetensors"))) {
                for (GgufTensorInfo t : g.tensors()) {
                    long[] shape = new long[t.rank()];
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = t.dims()[t.rank() - 1 - i];
                    }
                    w.addTensor(HfTensorNames.toHf(t.name()).orElseThrow(), SafetensorsDType.F32, shape);
                }
                for (GgufTensorInfo t : g.tensors()) {
                    w.writeTensor(HfTensorNames.toHf(t.name()).orElseThrow(), Quantizer.decodeAll(t.type(), g.data(t), t.elementCount()));
                }
            }
            List<String> tokens = m.getStringList("tokenizer.ggml.tokens");
            int[] types = m.getIntArray("tokenizer.ggml.token_type");
            StringBuilder vocab = new StringBuilder();
            List<String> added = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                if (types[i] == 1) {
                    vocab.append(vocab.isEmpty() ? "" : ",").append(q(tokens.get(i))).append(':').append(i);
                } else {
                    added.add("{\"id\":" + i + ",\"content\":" + q(tokens.get(i)) + ",\"special\":" + (types[i] == 3) + "}");
                }
            }
            StringBuilder merges = new StringBuilder();
            for (String mg : m.getStringList("tokenizer.ggml.merges")) {
                merges.append(merges.isEmpty() ? "" : ",").append(q(mg));
            }
            Files.writeString(hf.resolve("tokenizer.json"), "{\"added_tokens\":[" + String.join(",", added)
                    + "],\"model\":{\"type\":\"BPE\",\"vocab\":{" + vocab + "},\"merges\":[" + merges + "]}}", StandardCharsets.UTF_8);
            Files.writeString(hf.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"chat_template\": "
                    + q(m.getString("tokenizer.chat_template")) + "}", StandardCharsets.UTF_8);
        }
    }

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
