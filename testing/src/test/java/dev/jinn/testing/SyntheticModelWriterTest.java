package dev.jinn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.quant.GgmlType;
import dev.jinn.quant.QuantCodecs;
import dev.jinn.quant.Quantization;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufTensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticModelWriterTest {
    static final Path GOLDEN = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"), "golden");

    @Test
    void goldenShapeQ4KmHasGoldensTensorsTypesAndVocabulary(@TempDir Path dir) {
        Path out = dir.resolve("g.gguf");
        List<GgufTensorInfo> written = SyntheticModelWriter.write(out, SyntheticShape.GOLDEN, Quantization.Q4_K_M, 1, null);
        try (GgufFile ours = GgufFile.open(out); GgufFile ref = GgufFile.open(GOLDEN.resolve("golden-q4_k_m.gguf"))) {
            assertThat(written).isEqualTo(ours.tensors());
            // Same tensor names, dims and types as llama-quantize chose for the golden Q4_K_M file.
            assertThat(ours.tensors()).hasSameSizeAs(ref.tensors());
            for (GgufTensorInfo r : ref.tensors()) {
                GgufTensorInfo o = ours.requireTensor(r.name());
                assertThat(o.dims()).as(r.name()).containsExactly(r.dims());
                assertThat(o.type()).as(r.name()).isEqualTo(r.type());
            }
            // The cut-down R1 vocabulary is built exactly as the golden model's was.
            GgufMetadata m = ours.metadata(), g = ref.metadata();
            assertThat(m.getStringList("tokenizer.ggml.tokens")).isEqualTo(g.getStringList("tokenizer.ggml.tokens"));
            assertThat(m.getIntArray("tokenizer.ggml.token_type")).isEqualTo(g.getIntArray("tokenizer.ggml.token_type"));
            assertThat(m.getStringList("tokenizer.ggml.merges")).isEqualTo(g.getStringList("tokenizer.ggml.merges"));
            for (String k : List.of("tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.chat_template", "general.architecture")) {
                assertThat(m.getString(k)).as(k).isEqualTo(g.getString(k));
            }
            for (String k : List.of("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "qwen2.block_count",
                    "qwen2.embedding_length", "qwen2.feed_forward_length", "qwen2.attention.head_count",
                    "qwen2.attention.head_count_kv", "general.file_type")) {
                assertThat(m.getLong(k)).as(k).isEqualTo(g.getLong(k));
            }
            assertThat(m.getFloat("qwen2.rope.freq_base")).isEqualTo(g.getFloat("qwen2.rope.freq_base"));
            // Weights decode to finite values near the planned spread.
            GgufTensorInfo q = ours.requireTensor("blk.0.attn_q.weight");
            float[] v = new float[(int) q.elementCount()];
            QuantCodecs.require(q.type()).decode(ours.data(q), 0, v, 0, v.length);
            double sq = 0;
            for (float x : v) {
                assertThat(Float.isFinite(x)).isTrue();
                sq += x * x;
            }
            assertThat(Math.sqrt(sq / v.length)).isBetween(0.8 / Math.sqrt(512), 1.2 / Math.sqrt(512));
            GgufTensorInfo norm = ours.requireTensor("blk.1.ffn_norm.weight");
            assertThat(norm.type()).isEqualTo(GgmlType.F32);
            assertThat(ours.data(norm).get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isBetween(0.7f, 1.3f);
        }
    }

    @Test
    void sameSeedSameFileOtherSeedOtherWeights(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf"), c = dir.resolve("c.gguf");
        SyntheticModelWriter.write(a, SyntheticShape.LLAMA_TINY, Quantization.Q8_0, 5, null);
        SyntheticModelWriter.write(b, SyntheticShape.LLAMA_TINY, Quantization.Q8_0, 5, null);
        SyntheticModelWriter.write(c, SyntheticShape.LLAMA_TINY, Quantization.Q8_0, 6, null);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1);
        assertThat(Files.mismatch(a, c)).isNotEqualTo(-1);
        try (GgufFile f = GgufFile.open(a)) {
            assertThat(f.metadata().getString("general.architecture")).isEqualTo("llama");
            assertThat(f.tensor("blk.0.attn_q.bias")).isEmpty();
            assertThat(f.requireTensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
        }
    }

    @Test
    void fullVocabularyIsPaddedToTheModelsRows() {
        var tok = SyntheticModelWriter.bundledTokenizer(152064);
        assertThat(tok.tokens()).hasSize(152064);
        assertThat(tok.tokens().get(151648)).isEqualTo("<think>");
        assertThat(tok.bosId()).isEqualTo(151646);
        assertThat(tok.eosId()).isEqualTo(151643);
    }

    @Test
    void progressReachesTheTotal(@TempDir Path dir) {
        long[] last = new long[2];
        SyntheticModelWriter.write(dir.resolve("p.gguf"), SyntheticShape.GOLDEN, Quantization.Q6_K, 1, (d, t) -> {
            assertThat(d).isGreaterThanOrEqualTo(last[0]).isLessThanOrEqualTo(t);
            last[0] = d;
            last[1] = t;
        });
        assertThat(last[0]).isEqualTo(last[1]).isPositive();
    }
}
