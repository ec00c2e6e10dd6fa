package dev.jinn.spring.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.testing.ScriptedModel;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(properties = {"jinn.scripted=true", "jinn.generation.max-tokens=64", "jinn.generation.temperature=0.3"})
class SampleApplicationTest {
    @Autowired
    Assistant assistant;

    @Autowired
    Model model;

    @Autowired
    GenerationOptions options;

    @Autowired
    HealthIndicator jinnHealthIndicator;

    @Test
    void theApplicationRunsOnTheScriptedModelWithTheConfiguredOptions() {
        ScriptedModel scripted = (ScriptedModel) model;
        scripted.enqueue("<think>simple</think>Four.");
        assertThat(assistant.ask("2 + 2?")).isEqualTo("Four.");
        assertThat(scripted.lastPrompt().lastUserMessage()).isEqualTo("2 + 2?");
        assertThat(scripted.lastPrompt().options()).isEqualTo(options);
        assertThat(options.maxTokens()).isEqualTo(64);
        assertThat(options.sampler().temperature()).isEqualTo(0.3f);

        var health = jinnHealthIndicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("backend", "scripted").containsEntry("model", "scripted")
                .containsKeys("heapUsedBytes", "heapMaxBytes");
    }
}
