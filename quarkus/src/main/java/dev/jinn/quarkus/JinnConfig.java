package dev.jinn.quarkus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** The {@code jinn.*} configuration of the Quarkus integration (same names as the Spring Boot starter's). */
@ConfigMapping(prefix = "jinn")
public interface JinnConfig {
    /** Use the scripted model of jinn-testing (no weights) instead of loading a file. For tests. */
    @WithDefault("false")
    boolean scripted();

    /** Compute backend: cpu, gpu or auto. */
    @WithDefault("auto")
    String backend();

    /** Compute threads for CPU work (0 = one per core). */
    @WithDefault("0")
    int threads();

    /** Positions each session's KV cache holds (0 = the model's trained length). */
    @WithDefault("0")
    int contextLength();

    /** KV cache encoding: f32, f16 or q8_0. */
    @WithDefault("f16")
    String kvCacheType();

    ModelFile model();

    Generation generation();

    /** {@code jinn.model.*}. */
    interface ModelFile {
        /** The .gguf file to load; required unless jinn.scripted=true. */
        Optional<Path> path();

        /** Memory-map the weights (true) or read them into process memory first (false; see ModelOptions). */
        @WithDefault("true")
        boolean mapWeights();
    }

    /** {@code jinn.generation.*}: defaults of the GenerationOptions bean (unset = the model's recommendation). */
    interface Generation {
        @WithDefault("1024")
        int maxTokens();

        OptionalLong seed();

        @WithDefault("-1")
        int reasoningBudget();

        OptionalDouble temperature();

        OptionalInt topK();

        OptionalDouble topP();

        OptionalDouble minP();

        OptionalDouble repetitionPenalty();
    }
}
