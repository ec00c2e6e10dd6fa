package dev.jinn.quarkus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.GenerationOptions;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.ModelFileException;
import dev.jinn.testing.ScriptedModel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The producer without a Quarkus boot: errors, option mapping, disposal. */
class JinnProducerTest {
    record Gen(int maxTokens, OptionalLong seed, int reasoningBudget, OptionalDouble temperature, OptionalInt topK,
            OptionalDouble topP, OptionalDouble minP, OptionalDouble repetitionPenalty)
            implements JinnConfig.Generation {}

    record Config(boolean scripted, String backend, int threads, int contextLength, String kvCacheType,
            JinnConfig.ModelFile model, JinnConfig.Generation generation) implements JinnConfig {}

    record File(Optional<Path> path, boolean mapWeights) implements JinnConfig.ModelFile {}

    private static Config config(boolean scripted, Path path, Gen gen) {
        return new Config(scripted, "auto", 0, 0, "f16", new File(Optional.ofNullable(path), true), gen);
    }

    private static final Gen DEFAULT_GEN = new Gen(1024, OptionalLong.empty(), -1, OptionalDouble.empty(),
            OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty());

    @Test
    void aMissingOrBadModelPathIsAClearError() {
        JinnProducer p = new JinnProducer();
        assertThatThrownBy(() -> p.jinnModel(config(false, null, DEFAULT_GEN))).isInstanceOf(JinnException.class)
                .hasMessageContaining("jinn.model.path is not set");
        assertThatThrownBy(() -> p.jinnModel(config(false, Path.of("/no/such.gguf"), DEFAULT_GEN)))
                .isInstanceOf(ModelFileException.class).hasMessageContaining("/no/such.gguf");
    }

    @Test
    void generationSettingsBecomeOptionsAndDisposalClosesTheModel() {
        JinnProducer p = new JinnProducer();
        Gen gen = new Gen(99, OptionalLong.of(5), 10, OptionalDouble.empty(), OptionalInt.of(7),
                OptionalDouble.of(0.5), OptionalDouble.empty(), OptionalDouble.empty());
        Model model = p.jinnModel(config(true, null, gen));
        assertThat(model).isInstanceOf(ScriptedModel.class);
        GenerationOptions o = p.jinnGenerationOptions(config(true, null, gen), model);
        assertThat(o.maxTokens()).isEqualTo(99);
        assertThat(o.seed()).isEqualTo(5L);
        assertThat(o.reasoningBudget()).isEqualTo(10);
        assertThat(o.sampler().topK()).isEqualTo(7);
        assertThat(o.sampler().topP()).isEqualTo(0.5f);
        assertThat(o.sampler().temperature()).isEqualTo(model.info().recommendedSampler().temperature());
        assertThat(p.jinnGenerationOptions(config(true, null, DEFAULT_GEN), model).sampler()).isNull();
        p.close(model);
        assertThat(model.isClosed()).isTrue();
    }
}
