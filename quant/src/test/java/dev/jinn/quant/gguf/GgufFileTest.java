package dev.jinn.quant.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jinn.ModelFileException;
import dev.jinn.quant.GgmlType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GgufFileTest {
    static final Path DATA = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"));
    static final Path GOLDEN = DATA.resolve("golden");
    static final Path VOCAB = DATA.resolve("tokenizer/llamacpp-vectors/ggml-vocab-gpt-2.gguf");

    @ParameterizedTest
    @ValueSource(strings = {"golden-f16.gguf", "golden-q8_0.gguf", "golden-q4_k_m.gguf", "golden-q6_k.gguf"})
    void goldenFilesParseWithTheReadmeMetadata(String file) {
        try (GgufFile g = GgufFile.open(GOLDEN.resolve(file))) {
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.alignment()).isEqualTo(32);
            assertThat(g.dataOffset() % 32).isZero();
            GgufMetadata m = g.metadata();
            assertThat(m.getString("general.architecture")).isEqualTo("qwen2");
            assertThat(m.getInt("qwen2.embedding_length")).isEqualTo(512);
            assertThat(m.getInt("qwen2.block_count")).isEqualTo(2);
            assertThat(m.getInt("qwen2.attention.head_count")).isEqualTo(4);
            assertThat(m.getInt("qwen2.attention.head_count_kv")).isEqualTo(2);
            assertThat(m.getInt("qwen2.feed_forward_length")).isEqualTo(1024);
            assertThat(m.getFloat("qwen2.rope.freq_base")).isEqualTo(1e6f);
            assertThat(m.getFloat("qwen2.attention.layer_norm_rms_epsilon")).isEqualTo(1e-5f);
            assertThat(m.getString("tokenizer.ggml.model")).isEqualTo("gpt2");
            assertThat(m.getString("tokenizer.ggml.pre")).isEqualTo("deepseek-r1-qwen");
            List<String> tokens = m.getStringList("tokenizer.ggml.tokens");
            assertThat(tokens).hasSize(4118);
            assertThat(tokens.get(4096)).isEqualTo("<｜end▁of▁sentence｜>");
            assertThat(tokens.get(4099)).isEqualTo("<｜begin▁of▁sentence｜>");
            assertThat(tokens.get(4101)).isEqualTo("<think>");
            assertThat(m.getIntArray("tokenizer.ggml.token_type")).hasSize(4118);
            assertThat(m.getLong("tokenizer.ggml.bos_token_id")).isEqualTo(4099);
            assertThat(m.getInt("tokenizer.ggml.eos_token_id")).isEqualTo(4096);
            assertThat(m.getBoolean("tokenizer.ggml.add_bos_token")).isTrue();
            assertThat(m.getString("tokenizer.chat_template")).contains("<｜Assistant｜>");
            assertThat(m.typeOf("tokenizer.ggml.bos_token_id")).isEqualTo(GgufValueType.UINT32);
            assertThat(m.arrayElementType("tokenizer.ggml.merges")).isEqualTo(GgufValueType.STRING);

            // 1 token_embd + output + output_norm + 12 per layer
            assertThat(g.tensors()).hasSize(3 + 2 * 12);
            GgufTensorInfo emb = g.requireTensor("token_embd.weight");
            assertThat(emb.dims()).containsExactly(512, 4118);
            assertThat(emb.rowLength()).isEqualTo(512);
            assertThat(emb.rows()).isEqualTo(4118);
            assertThat(emb.elementCount()).isEqualTo(512L * 4118);
            assertThat(g.requireTensor("output_norm.weight").type()).isEqualTo(GgmlType.F32);
            assertThat(g.requireTensor("blk.1.attn_q.bias").dims()).containsExactly(512);
            assertThat(g.requireTensor("blk.0.attn_k.weight").dims()).containsExactly(512, 256);
            assertThat(g.requireTensor("blk.0.ffn_down.weight").dims()).containsExactly(1024, 512);
            for (GgufTensorInfo t : g.tensors()) {
                MemorySegment d = g.data(t);
                assertThat(d.byteSize()).isEqualTo(t.byteSize());
                assertThat(d.isReadOnly()).isTrue();
                assertThat(t.offset() % g.alignment()).isZero();
                assertThat(g.dataOffset() + t.offset() + t.byteSize()).isLessThanOrEqualTo(g.fileSize());
            }
            // norms start at 1.0 in the random model? not guaranteed; just check they are finite F32 values
            MemorySegment norm = g.data(g.requireTensor("output_norm.weight"));
            for (int i = 0; i < 512; i++) {
                assertThat(norm.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)).isFinite();
            }
            assertThat(g.tensor("nope")).isEmpty();
        }
    }

    @Test
    void tensorTypesFollowTheQuantizationMix() {
        try (GgufFile g = GgufFile.open(GOLDEN.resolve("golden-q4_k_m.gguf"))) {
            Map<GgmlType, Integer> counts = new TreeMap<>();
            g.tensors().forEach(t -> counts.merge(t.type(), 1, Integer::sum));
            assertThat(counts).containsOnlyKeys(GgmlType.F32, GgmlType.Q4_K, GgmlType.Q6_K);
            assertThat(g.requireTensor("output.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(g.requireTensor("token_embd.weight").byteSize()).isEqualTo(512 / 256 * 144 * 4118L);
        }
        try (GgufFile g = GgufFile.open(GOLDEN.resolve("golden-f16.gguf"))) {
            assertThat(g.requireTensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(g.requireTensor("blk.0.attn_q.weight").byteSize()).isEqualTo(512L * 512 * 2);
        }
    }

    @Test
    void vocabOnlyFileHasNoTensors() {
        try (GgufFile g = GgufFile.open(VOCAB)) {
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.tensors()).isEmpty();
            assertThat(g.metadata().size()).isEqualTo(16);
            assertThat(g.metadata().getString("general.architecture")).isEqualTo("gpt2");
            assertThat(g.metadata().getStringList("tokenizer.ggml.tokens")).hasSize(50257).startsWith("!", "\"", "#");
            assertThat(g.metadata().getStringList("tokenizer.ggml.merges")).hasSize(50000).startsWith("Ġ t");
            assertThat(g.metadata().getInt("tokenizer.ggml.bos_token_id")).isEqualTo(50256);
            assertThat(g.metadata().getFloat("gpt2.attention.layer_norm_epsilon")).isEqualTo(1e-5f);
            assertThat(g.dataOffset()).isGreaterThanOrEqualTo(g.fileSize());
        }
    }

    @Test
    void typedGettersCheckTypesAndNameTheKey() {
        try (GgufFile g = GgufFile.open(VOCAB)) {
            GgufMetadata m = g.metadata();
            assertThatThrownBy(() -> m.getString("gpt2.block_count"))
                    .isInstanceOf(GgufFormatException.class)
                    .hasMessageContaining("gpt2.block_count").hasMessageContaining("STRING")
                    .hasMessageContaining("UINT32");
            assertThatThrownBy(() -> m.getInt("missing.key"))
                    .isInstanceOf(GgufFormatException.class).hasMessageContaining("missing.key")
                    .hasMessageContaining("missing");
            assertThatThrownBy(() -> m.getStringList("tokenizer.ggml.token_type"))
                    .isInstanceOf(GgufFormatException.class).hasMessageContaining("ARRAY of INT32");
            assertThatThrownBy(() -> m.getFloat("general.name")).isInstanceOf(GgufFormatException.class);
            assertThatThrownBy(() -> m.getBoolean("general.name")).isInstanceOf(GgufFormatException.class);
            assertThat(m.getInt("missing.key", 7)).isEqualTo(7);
            assertThat(m.getString("missing.key", "x")).isEqualTo("x");
            assertThat(m.getBoolean("missing.key", true)).isTrue();
            assertThat(m.getFloat("missing.key", 2f)).isEqualTo(2f);
            assertThat(m.getLong("missing.key", 9L)).isEqualTo(9L);
            assertThat(m.get("gpt2.block_count")).isEqualTo(12);
            assertThat((List<?>) m.get("tokenizer.ggml.token_type")).hasSize(50257).element(0).isEqualTo(1);
            assertThatThrownBy(() -> m.keys().clear()).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void closeIsIdempotentAndLaterUseFailsNamingTheFile() {
        GgufFile g = GgufFile.open(GOLDEN.resolve("golden-q8_0.gguf"));
        GgufTensorInfo t = g.requireTensor("output_norm.weight");
        MemorySegment slice = g.data(t);
        g.close();
        g.close();
        assertThat(g.isClosed()).isTrue();
        assertThatThrownBy(g::tensors).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("golden-q8_0.gguf");
        assertThatThrownBy(() -> g.data(t)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("golden-q8_0.gguf");
        assertThatThrownBy(g::metadata).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> slice.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void requireTensorNamesTheTensorAndTheFile() {
        try (GgufFile g = GgufFile.open(GOLDEN.resolve("golden-q6_k.gguf"))) {
            assertThatThrownBy(() -> g.requireTensor("blk.9.attn_q.weight"))
                    .isInstanceOf(GgufFormatException.class)
                    .hasMessageContaining("blk.9.attn_q.weight").hasMessageContaining("golden-q6_k.gguf");
        }
    }

    @Test
    void dataRefusesAForeignTensorInfo() {
        try (GgufFile g = GgufFile.open(GOLDEN.resolve("golden-q6_k.gguf"))) {
            GgufTensorInfo fake = new GgufTensorInfo("output_norm.weight", new long[] {512}, GgmlType.F32, 0, 2048);
            assertThatThrownBy(() -> g.data(fake)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void missingFileIsAModelFileException() {
        assertThatThrownBy(() -> GgufFile.open(GOLDEN.resolve("nope.gguf")))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("nope.gguf");
        assertThatThrownBy(() -> GgufFile.read(GOLDEN.resolve("nope.gguf")))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("nope.gguf");
    }

    /** read() holds the same bytes, tensors and metadata as the mapping, and is closed the same way. */
    @Test
    void readingIntoMemoryGivesWhatMappingGives() {
        GgufFile read;
        try (GgufFile mapped = GgufFile.open(GOLDEN.resolve("golden-q4_k_m.gguf"))) {
            read = GgufFile.read(GOLDEN.resolve("golden-q4_k_m.gguf"));
            assertThat(read.fileSize()).isEqualTo(mapped.fileSize());
            assertThat(read.metadata().keys()).isEqualTo(mapped.metadata().keys());
            assertThat(read.tensors()).hasSameSizeAs(mapped.tensors());
            for (GgufTensorInfo t : mapped.tensors()) {
                assertThat(read.data(t).mismatch(mapped.data(t))).as(t.name()).isEqualTo(-1L);
            }
        }
        GgufTensorInfo t = read.requireTensor("output_norm.weight");
        MemorySegment slice = read.data(t);
        read.close();
        assertThatThrownBy(() -> slice.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    /** A (sparse) file larger than the memory available is refused before anything is allocated or read. */
    @Test
    void readRefusesAFileLargerThanTheAvailableMemory(@TempDir Path dir) throws IOException {
        long available = GgufFile.availableMemory();
        assumeTrue(available > 0, "MemAvailable is readable (Linux)");
        Path big = dir.resolve("huge.gguf");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(available + (1L << 30));
        }
        assertThatThrownBy(() -> GgufFile.read(big)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("huge.gguf").hasMessageContaining("GiB is available")
                .hasMessageContaining("load it mapped");
    }

    @Test
    void readRefusesAMalformedFileAsOpenDoes(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("junk.gguf");
        Files.write(junk, new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0});
        assertThatThrownBy(() -> GgufFile.read(junk)).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("junk.gguf").hasMessageContaining("version");
    }
}
