package dev.jinn;

import static dev.jinn.InvalidOptionException.check;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Per-request parameters of one generation (load-time parameters are in {@link ModelOptions}).
 *
 * @param maxTokens       most tokens to generate, reasoning included (≥ 1)
 * @param stopStrings     generation stops when the text contains one; it is matched across token boundaries and
 *                        not emitted
 * @param stopTokens      token ids that stop generation (besides the model's end-of-sequence); not emitted
 * @param seed            seed of the random draw; null = a fresh random seed each time
 * @param sampler         how tokens are chosen; null = the model's recommended sampler
 *                        ({@link ModelInfo#recommendedSampler()})
 * @param reasoningBudget most tokens inside {@code <think>…</think>}; then {@code </think>} is forced
 *                        (-1 = unlimited, 0 = close the reasoning at once)
 * @param timeout         wall-clock limit for the whole generation, prefill included; null = none
 */
public record GenerationOptions(
        int maxTokens,
        List<String> stopStrings,
        Set<Integer> stopTokens,
        Long seed,
        Sampler sampler,
        int reasoningBudget,
        Duration timeout) {

    /** 1024 tokens, no stop strings, the model's sampler, random seed, unlimited reasoning, no timeout. */
    public static final GenerationOptions DEFAULTS = builder().build();

    public GenerationOptions {
        check(maxTokens >= 1, "maxTokens", maxTokens, "must be ≥ 1");
        stopStrings = List.copyOf(stopStrings == null ? List.of() : stopStrings);
        for (String s : stopStrings) {
            check(!s.isEmpty(), "stopStrings", "\"\"", "stop strings must not be empty");
        }
        stopTokens = Set.copyOf(stopTokens == null ? Set.of() : stopTokens);
        for (int t : stopTokens) {
            check(t >= 0, "stopTokens", t, "token ids must be ≥ 0");
        }
        check(reasoningBudget >= -1, "reasoningBudget", reasoningBudget, "must be ≥ 0, or -1 for unlimited");
        check(timeout == null || timeout.isPositive(), "timeout", timeout, "must be positive (or null for none)");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxTokens(maxTokens).stopStrings(stopStrings).stopTokens(stopTokens).seed(seed)
                .sampler(sampler).reasoningBudget(reasoningBudget).timeout(timeout);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int maxTokens = 1024;
        private List<String> stopStrings = List.of();
        private Set<Integer> stopTokens = Set.of();
        private Long seed;
        private Sampler sampler;
        private int reasoningBudget = -1;
        private Duration timeout;

        private Builder() {}

        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder stopStrings(List<String> v) { stopStrings = v; return this; }
        public Builder stopStrings(String... v) { stopStrings = List.of(v); return this; }
        public Builder stopTokens(Set<Integer> v) { stopTokens = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder sampler(Sampler v) { sampler = v; return this; }
        public Builder reasoningBudget(int v) { reasoningBudget = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }

        public GenerationOptions build() {
            return new GenerationOptions(maxTokens, stopStrings, stopTokens, seed, sampler, reasoningBudget, timeout);
        }
    }
}
