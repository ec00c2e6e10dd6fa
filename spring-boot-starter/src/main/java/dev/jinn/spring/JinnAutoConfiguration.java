package dev.jinn.spring;

import dev.jinn.GenerationOptions;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.ModelOptions;
import dev.jinn.Sampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of Jinn: a {@link Model} bean loaded from {@code jinn.model.path} (or the scripted model when
 * {@code jinn.scripted=true}), closed with the context; a {@link GenerationOptions} bean from
 * {@code jinn.generation.*}; and, when spring-boot-health is present, a {@code jinn} health indicator. Each bean
 * backs off when the application defines its own.
 */
@AutoConfiguration
@EnableConfigurationProperties(JinnProperties.class)
public final class JinnAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(JinnAutoConfiguration.class);
    static final String SCRIPTED_MODEL = "dev.jinn.testing.ScriptedModel";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Model jinnModel(JinnProperties properties) {
        if (properties.isScripted()) {
            try {
                Model m = (Model) Class.forName(SCRIPTED_MODEL).getConstructor().newInstance();
                LOG.info("jinn.scripted=true: using the scripted model (no weights)");
                return m;
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new JinnException("jinn.scripted=true needs dev.jinn:jinn-testing on the class path (add it "
                        + "with test scope): " + e, e);
            }
        }
        if (properties.getModel().getPath() == null) {
            throw new JinnException("jinn.model.path is not set: give the .gguf file to load (or set "
                    + "jinn.scripted=true in tests, or define your own dev.jinn.Model bean)");
        }
        ModelOptions options = ModelOptions.builder().backend(properties.getBackend()).threads(properties.getThreads())
                .contextLength(properties.getContextLength()).kvCacheType(properties.getKvCacheType())
                .mapWeights(properties.getModel().isMapWeights()).build();
        LOG.info("Loading {} ({} backend)", properties.getModel().getPath(), options.backend());
        return Model.load(properties.getModel().getPath(), options);
    }

    @Bean
    @ConditionalOnMissingBean
    public GenerationOptions jinnGenerationOptions(JinnProperties properties, Model model) {
        JinnProperties.Generation g = properties.getGeneration();
        GenerationOptions.Builder b = GenerationOptions.builder().maxTokens(g.getMaxTokens()).seed(g.getSeed())
                .reasoningBudget(g.getReasoningBudget());
        if (g.getTemperature() != null || g.getTopK() != null || g.getTopP() != null || g.getMinP() != null
                || g.getRepetitionPenalty() != null) {
            Sampler.Builder s = model.info().recommendedSampler().toBuilder();
            if (g.getTemperature() != null) {
                s.temperature(g.getTemperature());
            }
            if (g.getTopK() != null) {
                s.topK(g.getTopK());
            }
            if (g.getTopP() != null) {
                s.topP(g.getTopP());
            }
            if (g.getMinP() != null) {
                s.minP(g.getMinP());
            }
            if (g.getRepetitionPenalty() != null) {
                s.repetitionPenalty(g.getRepetitionPenalty());
            }
            b.sampler(s.build());
        }
        return b.build();
    }

    /** Registered when spring-boot-health (Spring Boot Actuator) is on the class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "jinnHealthIndicator")
        HealthIndicator jinnHealthIndicator(Model model) {
            return new JinnHealthIndicator(model);
        }
    }
}
