package dev.jinn.quarkus;

import dev.jinn.GenerationOptions;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.ModelOptions;
import dev.jinn.Sampler;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Produces the application's {@link Model} (loaded from {@code jinn.model.path}, or the scripted model when
 * {@code jinn.scripted=true}; closed when the application stops) and its default {@link GenerationOptions}. Both
 * are {@link DefaultBean}s: an application producer of its own wins.
 */
@Singleton
public final class JinnProducer {
    private static final Logger LOG = Logger.getLogger(JinnProducer.class);
    static final String SCRIPTED_MODEL = "dev.jinn.testing.ScriptedModel";

    @Produces
    @Singleton
    @DefaultBean
    public Model jinnModel(JinnConfig config) {
        if (config.scripted()) {
            try {
                Model m = (Model) Class.forName(SCRIPTED_MODEL, true, Thread.currentThread().getContextClassLoader())
                        .getConstructor().newInstance();
                LOG.info("jinn.scripted=true: using the scripted model (no weights)");
                return m;
            } catch (ReflectiveOperationException | LinkageError e) {
                throw new JinnException("jinn.scripted=true needs dev.jinn:jinn-testing on the class path (add it "
                        + "with test scope): " + e, e);
            }
        }
        var path = config.model().path().orElseThrow(() -> new JinnException("jinn.model.path is not set: give the "
                + ".gguf file to load (or set jinn.scripted=true in tests, or produce your own dev.jinn.Model)"));
        ModelOptions options = ModelOptions.builder().backend(config.backend()).threads(config.threads())
                .contextLength(config.contextLength()).kvCacheType(config.kvCacheType())
                .mapWeights(config.model().mapWeights()).build();
        LOG.infof("Loading %s (%s backend)", path, options.backend());
        return Model.load(path, options);
    }

    void close(@Disposes Model model) {
        model.close();
    }

    @Produces
    @Singleton
    @DefaultBean
    public GenerationOptions jinnGenerationOptions(JinnConfig config, Model model) {
        JinnConfig.Generation g = config.generation();
        GenerationOptions.Builder b = GenerationOptions.builder().maxTokens(g.maxTokens())
                .reasoningBudget(g.reasoningBudget());
        g.seed().ifPresent(b::seed);
        if (g.temperature().isPresent() || g.topK().isPresent() || g.topP().isPresent() || g.minP().isPresent()
                || g.repetitionPenalty().isPresent()) {
            Sampler.Builder s = model.info().recommendedSampler().toBuilder();
            g.temperature().ifPresent(v -> s.temperature((float) v));
            g.topK().ifPresent(s::topK);
            g.topP().ifPresent(v -> s.topP((float) v));
            g.minP().ifPresent(v -> s.minP((float) v));
            g.repetitionPenalty().ifPresent(v -> s.repetitionPenalty((float) v));
            b.sampler(s.build());
        }
        return b.build();
    }
}
