package dev.jinn.spring;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code jinn.*} properties of the Jinn Spring Boot starter. */
@ConfigurationProperties(prefix = "jinn")
public final class JinnProperties {
    /** Use the scripted model of jinn-testing (no weights; answers "OK") instead of loading a file. For tests. */
    private boolean scripted;

    /** Compute backend: cpu, gpu or auto (auto: the jinn.backend system property, JINN_BACKEND, then the best). */
    private String backend = "auto";

    /** Compute threads for CPU work (0 = one per available core). */
    private int threads;

    /** Positions each session's KV cache holds (0 = the model's trained context length). */
    private int contextLength;

    /** KV cache encoding: f32, f16 or q8_0. */
    private String kvCacheType = "f16";

    private final ModelFile model = new ModelFile();

    private final Generation generation = new Generation();

    public boolean isScripted() { return scripted; }
    public void setScripted(boolean scripted) { this.scripted = scripted; }
    public String getBackend() { return backend; }
    public void setBackend(String backend) { this.backend = backend; }
    public int getThreads() { return threads; }
    public void setThreads(int threads) { this.threads = threads; }
    public int getContextLength() { return contextLength; }
    public void setContextLength(int contextLength) { this.contextLength = contextLength; }
    public String getKvCacheType() { return kvCacheType; }
    public void setKvCacheType(String kvCacheType) { this.kvCacheType = kvCacheType; }
    public ModelFile getModel() { return model; }
    public Generation getGeneration() { return generation; }

    /** {@code jinn.model.*}: the model file. */
    public static final class ModelFile {
        /** The model to load: a .gguf file. Required unless jinn.scripted=true. */
        private Path path;
        /** Memory-map the weights (true) or read them into process memory first (false; see ModelOptions). */
        private boolean mapWeights = true;

        public Path getPath() { return path; }
        public void setPath(Path path) { this.path = path; }
        public boolean isMapWeights() { return mapWeights; }
        public void setMapWeights(boolean mapWeights) { this.mapWeights = mapWeights; }
    }

    /** {@code jinn.generation.*}: defaults of the GenerationOptions bean (unset = the model's recommendation). */
    public static final class Generation {
        /** Most tokens to generate per answer, reasoning included. */
        private int maxTokens = 1024;
        /** Seed of the random draw (unset = a fresh seed each time). */
        private Long seed;
        /** Most tokens inside think tags (-1 = unlimited). */
        private int reasoningBudget = -1;
        /** Sampling temperature (0 = greedy). Unset: the model's recommended sampler. */
        private Float temperature;
        /** Top-k (0 = off). */
        private Integer topK;
        /** Top-p / nucleus (1 = off). */
        private Float topP;
        /** Min-p (0 = off). */
        private Float minP;
        /** Repetition penalty (1 = off). */
        private Float repetitionPenalty;

        public int getMaxTokens() { return maxTokens; }
        public void setMaxTokens(int maxTokens) { this.maxTokens = maxTokens; }
        public Long getSeed() { return seed; }
        public void setSeed(Long seed) { this.seed = seed; }
        public int getReasoningBudget() { return reasoningBudget; }
        public void setReasoningBudget(int reasoningBudget) { this.reasoningBudget = reasoningBudget; }
        public Float getTemperature() { return temperature; }
        public void setTemperature(Float temperature) { this.temperature = temperature; }
        public Integer getTopK() { return topK; }
        public void setTopK(Integer topK) { this.topK = topK; }
        public Float getTopP() { return topP; }
        public void setTopP(Float topP) { this.topP = topP; }
        public Float getMinP() { return minP; }
        public void setMinP(Float minP) { this.minP = minP; }
        public Float getRepetitionPenalty() { return repetitionPenalty; }
        public void setRepetitionPenalty(Float repetitionPenalty) { this.repetitionPenalty = repetitionPenalty; }
    }
}
