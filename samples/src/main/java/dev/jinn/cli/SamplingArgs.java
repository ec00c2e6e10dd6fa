package dev.jinn.cli;

import dev.jinn.GenerationOptions;
import dev.jinn.ModelInfo;
import dev.jinn.Sampler;
import picocli.CommandLine.Option;

/** Per-request options shared by {@code generate} and {@code chat}. */
final class SamplingArgs {
    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens = 512;

    @Option(names = "--temperature", paramLabel = "T", description = "0 = greedy (default: the model's recommended sampler).")
    Float temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling threshold in (0, 1].")
    Float topP;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens (0 = off).")
    Integer topK;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens less likely than P × the best one.")
    Float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", description = "Repetition penalty (1 = off).")
    Float repeatPenalty;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for reproducible sampling (default: random).")
    Long seed;

    @Option(names = "--reasoning-budget", paramLabel = "N",
            description = "Most thinking tokens before </think> is forced (-1 = unlimited).")
    int reasoningBudget = -1;

    GenerationOptions options(ModelInfo info) {
        Sampler.Builder s = info.recommendedSampler().toBuilder();
        if (temperature != null) {
            s.temperature(temperature);
        }
        if (topP != null) {
            s.topP(topP);
        }
        if (topK != null) {
            s.topK(topK);
        }
        if (minP != null) {
            s.minP(minP);
        }
        if (repeatPenalty != null) {
            s.repetitionPenalty(repeatPenalty);
        }
        return GenerationOptions.builder().maxTokens(maxTokens).seed(seed).sampler(s.build())
                .reasoningBudget(reasoningBudget).build();
    }
}
