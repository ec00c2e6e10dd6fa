package dev.jinn.quant.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ModelFileException;
import dev.jinn.quant.gguf.GgufFile;
import dev.jinn.quant.gguf.GgufMetadata;
import dev.jinn.quant.gguf.GgufWriter;
import dev.jinn.quant.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {
    static final Path DEEPSEEK = Path.of(System.getProperty("jinn.shared.data", "../../shared/data"))
            .resolve("tokenizer/deepseek-r1-distill-qwen");

    @TempDir
    Path dir;

    @Test
    void readsTheDeepSeekR1DistillQwen14BConfig() {
        HfConfig c = HfConfig.read(DEEPSEEK); // the folder; config.json inside it
        assertThat(c.architecture()).isEqualTo(HfConfig.QWEN2);
        assertThat(c.modelType()).isEqualTo("qwen2");
        assertThat(c.ggufArchitecture()).isEqualTo("qwen2");
        assertThat(c.hiddenSize()).isEqualTo(5120);
        assertThat(c.numHiddenLayers()).isEqualTo(48);
        assertThat(c.numAttentionHeads()).isEqualTo(40);
        assertThat(c.numKeyValueHeads()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.intermediateSize()).isEqualTo(13824);
        assertThat(c.vocabSize()).isEqualTo(152064);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(131072);
        assertThat(c.ropeTheta()).isEqualTo(1e6);
        assertThat(c.rmsNormEps()).isEqualTo(1e-5);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.attentionBias()).isTrue();
        assertThat(c.torchDtype()).isEqualTo("bfloat16");
        assertThat(c.bosTokenId()).isEqualTo(151643);
        assertThat(c.eosTokenIds()).containsExactly(151643);
        assertThat(HfConfig.read(DEEPSEEK.resolve("config.json"))).isEqualTo(c);
    }

    @Test
    void writesTheGgufKeysLlamaCppUses() {
        HfConfig c = HfConfig.read(DEEPSEEK);
        Path f = dir.resolve("k.gguf");
        try (GgufWriter w = GgufWriter.create(f)) {
            c.putGgufMetadata(w);
        }
        try (GgufFile g = GgufFile.open(f)) {
            GgufMetadata m = g.metadata();
            assertThat(m.getString("general.architecture")).isEqualTo("qwen2");
            assertThat(m.getInt("qwen2.embedding_length")).isEqualTo(5120);
            assertThat(m.getInt("qwen2.block_count")).isEqualTo(48);
            assertThat(m.getInt("qwen2.attention.head_count_kv")).isEqualTo(8);
            assertThat(m.getInt("qwen2.feed_forward_length")).isEqualTo(13824);
            assertThat(m.getFloat("qwen2.rope.freq_base")).isEqualTo(1e6f);
            assertThat(m.getFloat("qwen2.attention.layer_norm_rms_epsilon")).isEqualTo(1e-5f);
            assertThat(m.contains("qwen2.attention.key_length")).isFalse();
        }
    }

    @Test
    void llamaDefaultsAndEosLists() {
        HfConfig c = HfConfig.fromJson(Json.parseObject("""
                {"architectures":["LlamaForCausalLM"],"hidden_size":64,"num_hidden_layers":2,
                 "num_attention_heads":4,"intermediate_size":128,"vocab_size":512,"max_position_embeddings":256,
                 "rms_norm_eps":1e-5,"rope_theta":500000,"bos_token_id":1,"eos_token_id":[2,3],
                 "tie_word_embeddings":true}"""), null);
        assertThat(c.ggufArchitecture()).isEqualTo("llama");
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.ropeTheta()).isEqualTo(500000.0);
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.torchDtype()).isEqualTo("float32");
        assertThat(c.eosTokenIds()).containsExactly(2, 3);
    }

    private void rejects(String json, String... fragments) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        assertThatThrownBy(() -> HfConfig.read(f)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("config.json").hasMessageContainingAll(fragments);
    }

    @Test
    void badConfigsAreRejectedNamingTheField() throws IOException {
        String base = "\"hidden_size\":64,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                + "\"intermediate_size\":128,\"vocab_size\":512,\"max_position_embeddings\":256";
        rejects("{\"architectures\":[\"GPT2LMHeadModel\"]," + base + "}", "GPT2LMHeadModel", "not supported");
        rejects("{" + base + "}", "architectures");
        rejects("{\"architectures\":[\"Qwen2ForCausalLM\"],\"hidden_size\":64}", "num_hidden_layers", "missing");
        rejects("{\"architectures\":[\"Qwen2ForCausalLM\"]," + base.replace("\"hidden_size\":64", "\"hidden_size\":\"64\"")
                + "}", "hidden_size", "positive integer");
        rejects("{\"architectures\":[\"Qwen2ForCausalLM\"]," + base + ",\"num_key_value_heads\":3}",
                "num_key_value_heads 3");
        rejects("{\"architectures\":[\"Qwen2ForCausalLM\"]," + base + ",\"rope_theta\":-1}", "rope_theta");
        rejects("{\"architectures\":[\"Qwen2ForCausalLM\"]," + base + ",\"eos_token_id\":\"x\"}", "eos_token_id");
        rejects("{\"architectures\":[\"Qwen2ForCausalLM\"]," + base + ",\"tie_word_embeddings\":1}",
                "tie_word_embeddings");
        rejects("{not json", "not a JSON object");
        assertThatThrownBy(() -> HfConfig.read(dir.resolve("missing.json"))).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("no such file");
    }
}
