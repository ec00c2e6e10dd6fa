package dev.jinn.engine;

/**
 * The hyperparameters of a Qwen2- or Llama-family transformer, read from GGUF metadata
 * ({@code <arch>.embedding_length}, ...) or a Hugging Face config.json.
 *
 * @param architecture      {@code "qwen2"} or {@code "llama"}
 * @param hidden            embedding length (5120 for 14B)
 * @param layers            block count
 * @param heads             attention heads
 * @param kvHeads           key/value heads (GQA)
 * @param headDim           hidden / heads
 * @param ffn               feed-forward length
 * @param vocabSize         rows of the embedding / output matrix
 * @param contextLength     the trained context length
 * @param ropeTheta         rope frequency base
 * @param ropeNeox          true: rotate-half pairs (i, i + headDim/2) as qwen2; false: interleaved pairs (2i, 2i+1)
 * @param rmsEps            RMSNorm epsilon
 * @param tiedEmbeddings    true when there is no output.weight and the embedding matrix is reused
 */
public record ModelConfig(
        String architecture,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int vocabSize,
        int contextLength,
        float ropeTheta,
        boolean ropeNeox,
        float rmsEps,
        boolean tiedEmbeddings) {}
