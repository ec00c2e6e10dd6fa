package dev.jinn;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a loaded {@link Model} is. Immutable.
 *
 * @param name                 the model's name ({@code general.name}, else the file name)
 * @param architecture         {@code "qwen2"}, {@code "llama"}, ...
 * @param parameterCount       number of weights
 * @param layers               transformer blocks
 * @param hiddenSize           embedding length
 * @param heads                attention heads
 * @param kvHeads              key/value heads
 * @param vocabularySize       token ids
 * @param trainedContextLength the context the model was trained for
 * @param contextLength        the default context of sessions of this loaded model
 * @param codecs               tensor encodings present (e.g. {@code Q4_K}, {@code Q6_K}, {@code F32})
 * @param chatTemplate         the chat template source (Jinja), empty when the model has none
 * @param specialTokens        control tokens by their text (e.g. {@code "<think>" → 151648}), BOS/EOS included
 * @param bosToken             text of the BOS token, empty when none
 * @param eosToken             text of the end-of-sequence token, empty when none
 * @param backend              the backend running it ({@code "cpu"}, {@code "gpu"}, {@code "scripted"})
 * @param identity             a fingerprint of the weights' layout and metadata; saved sessions record it and refuse
 *                             to restore into a model with another identity
 * @param recommendedSampler   the model's generation_config defaults (R1-Distill: temperature 0.6, top-p 0.95)
 */
public record ModelInfo(
        String name,
        String architecture,
        long parameterCount,
        int layers,
        int hiddenSize,
        int heads,
        int kvHeads,
        int vocabularySize,
        int trainedContextLength,
        int contextLength,
        Set<String> codecs,
        String chatTemplate,
        Map<String, Integer> specialTokens,
        String bosToken,
        String eosToken,
        String backend,
        String identity,
        Sampler recommendedSampler) {

    public ModelInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(architecture, "architecture");
        codecs = Set.copyOf(codecs);
        chatTemplate = chatTemplate == null ? "" : chatTemplate;
        specialTokens = Map.copyOf(specialTokens);
        bosToken = bosToken == null ? "" : bosToken;
        eosToken = eosToken == null ? "" : eosToken;
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(recommendedSampler, "recommendedSampler");
    }
}
