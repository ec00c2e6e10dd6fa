package dev.jinn;

import static dev.jinn.InvalidOptionException.check;

import java.util.Map;

/**
 * How the next token is chosen from the logits: greedy (argmax), or a chain applied in this order, as llama.cpp's
 * default sampler chain does: logit bias → repetition / frequency / presence penalties over the last
 * {@code penaltyLastN} tokens → top-k → top-p → min-p → temperature → a seeded random draw.
 * A value that disables a stage: topK 0, topP 1, minP 0, repetitionPenalty 1, frequency/presence 0.
 *
 * <p>Immutable. With the same seed and the same logits the draw is the same on any thread count.
 *
 * @param temperature        0 = greedy (argmax after bias and penalties); otherwise divides the logits
 * @param topK               keep the k most likely tokens (0 = all)
 * @param topP               keep the smallest set whose probability reaches p (1 = all)
 * @param minP               drop tokens less likely than minP × the most likely one (0 = none)
 * @param repetitionPenalty  CTRL-style: positive logits divided by it, negative multiplied (1 = off)
 * @param frequencyPenalty   subtracted once per occurrence in the window (0 = off)
 * @param presencePenalty    subtracted once when present in the window (0 = off)
 * @param penaltyLastN       the penalty window, in tokens (0 = penalties off)
 * @param logitBias          token id → value added to its logit ({@code Float.NEGATIVE_INFINITY} bans it)
 */
public record Sampler(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyLastN,
        Map<Integer, Float> logitBias) {

    public Sampler {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature", temperature, "must be ≥ 0 (0 = greedy)");
        check(topK >= 0, "topK", topK, "must be ≥ 0 (0 = off)");
        check(topP > 0 && topP <= 1, "topP", topP, "must be in (0, 1] (1 = off)");
        check(minP >= 0 && minP < 1, "minP", minP, "must be in [0, 1) (0 = off)");
        check(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetitionPenalty", repetitionPenalty,
                "must be > 0 (1 = off)");
        check(Float.isFinite(frequencyPenalty), "frequencyPenalty", frequencyPenalty, "must be finite");
        check(Float.isFinite(presencePenalty), "presencePenalty", presencePenalty, "must be finite");
        check(penaltyLastN >= 0, "penaltyLastN", penaltyLastN, "must be ≥ 0");
        logitBias = Map.copyOf(logitBias == null ? Map.of() : logitBias);
        for (var e : logitBias.entrySet()) {
            check(e.getKey() >= 0, "logitBias token id", e.getKey(), "must be ≥ 0");
            check(!Float.isNaN(e.getValue()) && e.getValue() != Float.POSITIVE_INFINITY, "logitBias[" + e.getKey() + "]",
                    e.getValue(), "must be finite or -Infinity");
        }
    }

    /** Always the most likely token: deterministic, no seed needed. */
    public static Sampler greedy() {
        return builder().temperature(0).build();
    }

    /**
     * DeepSeek-R1-Distill's generation_config.json: temperature 0.6, top-p 0.95 (the model card recommends
     * 0.5–0.7 to avoid endless repetition).
     */
    public static Sampler deepSeekR1Distill() {
        return builder().temperature(0.6f).topP(0.95f).build();
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
    public static Sampler llamaCppDefaults() {
        return builder().temperature(0.8f).topK(40).topP(0.95f).minP(0.05f).build();
    }

    public boolean isGreedy() {
        return temperature == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this sampler's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.minP = minP;
        b.repetitionPenalty = repetitionPenalty;
        b.frequencyPenalty = frequencyPenalty;
        b.presencePenalty = presencePenalty;
        b.penaltyLastN = penaltyLastN;
        b.logitBias = logitBias;
        return b;
    }

    /** Starts with temperature 1 and every other stage off. Validation happens in {@link #build()}. */
    public static final class Builder {
        private float temperature = 1f;
        private int topK = 0;
        private float topP = 1f;
        private float minP = 0f;
        private float repetitionPenalty = 1f;
        private float frequencyPenalty = 0f;
        private float presencePenalty = 0f;
        private int penaltyLastN = 64;
        private Map<Integer, Float> logitBias = Map.of();

        private Builder() {}

        public Builder temperature(float v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(float v) { topP = v; return this; }
        public Builder minP(float v) { minP = v; return this; }
        public Builder repetitionPenalty(float v) { repetitionPenalty = v; return this; }
        public Builder frequencyPenalty(float v) { frequencyPenalty = v; return this; }
        public Builder presencePenalty(float v) { presencePenalty = v; return this; }
        public Builder penaltyLastN(int v) { penaltyLastN = v; return this; }
        public Builder logitBias(Map<Integer, Float> v) { logitBias = v; return this; }

        public Sampler build() {
            return new Sampler(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty,
                    penaltyLastN, logitBias);
        }
    }
}
