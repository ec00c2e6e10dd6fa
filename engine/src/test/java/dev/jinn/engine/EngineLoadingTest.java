package dev.jinn.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.JinnException;
import dev.jinn.KvCacheType;
import dev.jinn.quant.gguf.GgufFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Architecture from metadata, options validation, and backend selection without any backend on the class path. */
class EngineLoadingTest {
    static final Path GOLDEN = Path.of(System.getProperty("jinn.shared.data"), "golden");

    @Test
    void readsQwen2HyperparametersFromGgufMetadata() {
        try (GgufFile f = GgufFile.open(GOLDEN.resolve("golden-q8_0.gguf"))) {
            ModelConfig c = GgufModelConfig.read(f);
            assertThat(c.architecture()).isEqualTo("qwen2");
            assertThat(c.hidden()).isEqualTo(512);
            assertThat(c.layers()).isEqualTo(2);
            assertThat(c.heads()).isEqualTo(4);
            assertThat(c.kvHeads()).isEqualTo(2);
            assertThat(c.headDim()).isEqualTo(128);
            assertThat(c.ffn()).isEqualTo(1024);
            assertThat(c.vocabSize()).isEqualTo(4118);
            assertThat(c.contextLength()).isEqualTo(131072);
            assertThat(c.ropeTheta()).isEqualTo(1e6f);
            assertThat(c.ropeNeox()).isTrue();
            assertThat(c.rmsEps()).isEqualTo(1e-5f, org.assertj.core.data.Offset.offset(1e-9f));
            assertThat(c.tiedEmbeddings()).isFalse();
        }
    }

    @Test
    void optionsValidateAndDefault() {
        LoadOptions d = LoadOptions.defaults();
        assertThat(d.kvCacheType()).isEqualTo(KvCacheType.F16);
        assertThat(d.backend()).isNull();
        assertThat(new LoadOptions(" ", 0, 0, null).kvCacheType()).isEqualTo(KvCacheType.F16);
        assertThat(LoadOptions.builder().threads(3).contextLength(100).kvCacheType(KvCacheType.Q8_0).backend("cpu")
                .build()).isEqualTo(new LoadOptions("cpu", 3, 100, KvCacheType.Q8_0));
        assertThatThrownBy(() -> LoadOptions.builder().threads(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threads");
        assertThatThrownBy(() -> LoadOptions.defaults().withContextLength(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contextLength");
    }

    @Test
    void withoutAnyBackendOnTheClassPathTheErrorSaysWhatToAdd() {
        // the engine module's tests do not see runtime-cpu
        assertThatThrownBy(() -> ModelLoader.load(GOLDEN.resolve("golden-q8_0.gguf"), LoadOptions.defaults()))
                .isInstanceOf(JinnException.class).hasMessageContaining("jinn-runtime-cpu");
    }
}
