package dev.jinn.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.ModelFileException;
import dev.jinn.testing.ScriptedModel;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class JinnAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JinnAutoConfiguration.class));

    @Test
    void theModelIsClosedWithTheContextAndTheHealthGoesDown() {
        AtomicReference<Model> seen = new AtomicReference<>();
        AtomicReference<HealthIndicator> health = new AtomicReference<>();
        runner.withPropertyValues("jinn.scripted=true").run(ctx -> {
            assertThat(ctx).hasSingleBean(Model.class).hasSingleBean(GenerationOptions.class);
            seen.set(ctx.getBean(Model.class));
            health.set(ctx.getBean("jinnHealthIndicator", HealthIndicator.class));
            assertThat(seen.get().isClosed()).isFalse();
            assertThat(ctx.getBean(GenerationOptions.class).sampler()).as("no jinn.generation sampling: the model's")
                    .isNull();
        });
        assertThat(seen.get().isClosed()).isTrue();
        assertThat(health.get().health().getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void withoutAModelPathStartupFailsWithAClearMessage() {
        runner.run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
                .hasMessageContaining("jinn.model.path is not set"));
        runner.withPropertyValues("jinn.model.path=/no/such/model.gguf", "jinn.backend=cpu", "jinn.threads=2",
                "jinn.context-length=512").run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause()
                .isInstanceOf(ModelFileException.class).hasMessageContaining("/no/such/model.gguf"));
        runner.withPropertyValues("jinn.scripted=true", "jinn.generation.top-p=1.5").run(ctx -> assertThat(ctx)
                .hasFailed().getFailure().rootCause().hasMessageContaining("topP"));
    }

    @Test
    void anApplicationModelBeanWins() {
        ScriptedModel mine = new ScriptedModel("mine", 128);
        runner.withBean(Model.class, () -> mine).withPropertyValues("jinn.generation.top-k=5", "jinn.generation.seed=9")
                .run(ctx -> {
                    assertThat(ctx.getBean(Model.class)).isSameAs(mine);
                    GenerationOptions o = ctx.getBean(GenerationOptions.class);
                    assertThat(o.sampler().topK()).isEqualTo(5);
                    assertThat(o.seed()).isEqualTo(9L);
                });
    }

    @Test
    void configurationMetadataDescribesTheProperties() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).contains("\"jinn.model.path\"", "\"jinn.backend\"", "\"jinn.threads\"",
                    "\"jinn.context-length\"", "\"jinn.scripted\"", "\"jinn.generation.temperature\"",
                    "The model to load");
        }
    }
}
