package dev.jinn.quarkus.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.testing.ScriptedModel;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AssistantTest {
    @Inject
    Assistant assistant;

    @Inject
    Model model;

    @Inject
    GenerationOptions options;

    @Test
    void theSampleRunsOnTheScriptedModelWithConfiguredOptions() {
        assertThat(model).isInstanceOf(ScriptedModel.class);
        ScriptedModel scripted = (ScriptedModel) model;
        scripted.enqueue("<think>quick</think>Blue.");
        assertThat(assistant.ask("Colour of the sky?")).isEqualTo("Blue.");
        assertThat(scripted.lastPrompt().lastUserMessage()).isEqualTo("Colour of the sky?");
        assertThat(options.maxTokens()).isEqualTo(48);
        assertThat(options.sampler().temperature()).isEqualTo(0.25f);
        assertThat(scripted.lastPrompt().options()).isEqualTo(options);
    }
}
