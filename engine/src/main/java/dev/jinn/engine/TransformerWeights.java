package dev.jinn.engine;

import dev.jinn.spi.WeightTensor;
import java.util.List;

/**
 * The weights of a Qwen2/Llama transformer as a backend holds them. Shapes are PyTorch [out, in].
 *
 * @param tokenEmbedding (vocab, hidden)
 * @param outputNorm     (hidden)
 * @param output         (vocab, hidden); the embedding itself when tied
 * @param layers         one entry per block
 */
public record TransformerWeights(WeightTensor tokenEmbedding, WeightTensor outputNorm, WeightTensor output,
                                 List<Layer> layers) {
    public TransformerWeights {
        layers = List.copyOf(layers);
    }

    /**
     * One block. Biases are null where the architecture has none (llama; qwen2 has Q/K/V biases).
     *
     * @param attnNorm (hidden)
     * @param wq (heads·headDim, hidden)   @param bq (heads·headDim) or null
     * @param wk (kvHeads·headDim, hidden) @param bk or null
     * @param wv (kvHeads·headDim, hidden) @param bv or null
     * @param wo (hidden, heads·headDim)
     * @param ffnNorm (hidden)
     * @param gate (ffn, hidden) @param up (ffn, hidden) @param down (hidden, ffn)
     */
    public record Layer(WeightTensor attnNorm, WeightTensor wq, WeightTensor bq, WeightTensor wk, WeightTensor bk,
                        WeightTensor wv, WeightTensor bv, WeightTensor wo, WeightTensor ffnNorm, WeightTensor gate,
                        WeightTensor up, WeightTensor down) {}
}
