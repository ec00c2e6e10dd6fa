package dev.jinn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void invalidValuesAreTypedErrorsNamingTheOption() {
        assertThatThrownBy(() -> Sampler.builder().temperature(-1).build())
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("temperature = -1.0");
        assertThatThrownBy(() -> Sampler.builder().topP(0).build()).hasMessageContaining("topP");
        assertThatThrownBy(() -> Sampler.builder().minP(1).build()).hasMessageContaining("minP");
        assertThatThrownBy(() -> Sampler.builder().topK(-2).build()).hasMessageContaining("topK");
        assertThatThrownBy(() -> Sampler.builder().repetitionPenalty(0).build()).hasMessageContaining("repetitionPenalty");
        assertThatThrownBy(() -> Sampler.builder().logitBias(Map.of(3, Float.NaN)).build())
                .hasMessageContaining("logitBias[3]");
        assertThatThrownBy(() -> GenerationOptions.builder().maxTokens(0).build()).hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> GenerationOptions.builder().stopStrings("").build()).hasMessageContaining("stopStrings");
        assertThatThrownBy(() -> GenerationOptions.builder().reasoningBudget(-2).build())
                .hasMessageContaining("reasoningBudget");
        assertThatThrownBy(() -> GenerationOptions.builder().timeout(Duration.ZERO).build())
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> ModelOptions.builder().threads(-1).build()).hasMessageContaining("threads");
        assertThatThrownBy(() -> ModelOptions.builder().contextLength(-1).build()).hasMessageContaining("contextLength");
        assertThatThrownBy(() -> ModelOptions.builder().kvCacheType("q3").build())
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("Q8_0");
        assertThatThrownBy(() -> ModelOptions.builder().memoryLimitBytes(-5).build())
                .hasMessageContaining("memoryLimitBytes");
        assertThatThrownBy(() -> ModelOptions.builder().backend(" ").build()).hasMessageContaining("backend");
        assertThatThrownBy(() -> SessionOptions.builder().contextLength(-3).build())
                .hasMessageContaining("contextLength");
        assertThatThrownBy(() -> new Prompt.Chat(List.of())).isInstanceOf(InvalidOptionException.class);
    }

    @Test
    void presetsAndDefaults() {
        assertThat(Sampler.greedy().isGreedy()).isTrue();
        assertThat(Sampler.deepSeekR1Distill().temperature()).isEqualTo(0.6f);
        assertThat(Sampler.deepSeekR1Distill().topP()).isEqualTo(0.95f);
        assertThat(ModelOptions.DEFAULTS.backend()).isEqualTo("auto");
        assertThat(ModelOptions.DEFAULTS.kvCacheType()).isEqualTo(KvCacheType.F16);
        assertThat(ModelOptions.builder().backend(" CPU ").kvCacheType("q8_0").build())
                .extracting(ModelOptions::backend, ModelOptions::kvCacheType).containsExactly("cpu", KvCacheType.Q8_0);
        assertThat(GenerationOptions.DEFAULTS.sampler()).isNull();
        assertThat(GenerationOptions.DEFAULTS.reasoningBudget()).isEqualTo(-1);
        Sampler s = Sampler.llamaCppDefaults().toBuilder().topK(5).build();
        assertThat(s.topK()).isEqualTo(5);
        assertThat(s.minP()).isEqualTo(0.05f);
    }

    @Test
    void doneCarriesAnErrorExactlyWhenItFailed() {
        assertThatThrownBy(() -> new GenerationEvent.Done(FinishReason.ERROR, Usage.NONE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GenerationEvent.Done(FinishReason.STOP, Usage.NONE, new JinnException("x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void loadingAMissingFileSaysSo() {
        assertThatThrownBy(() -> Model.load(Path.of("/no/such/model.gguf")))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("/no/such/model.gguf")
                .hasMessageContaining("no such file");
    }

    @Test
    void loadingWithoutAnImplementationSaysWhatToAdd(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = java.nio.file.Files.writeString(dir.resolve("m.gguf"), "GGUF");
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(JinnException.class)
                .hasMessageContaining("jinn-engine");
    }
}
