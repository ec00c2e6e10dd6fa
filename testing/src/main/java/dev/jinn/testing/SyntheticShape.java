package dev.jinn.testing;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The shape of a synthetic Qwen2- or Llama-architecture model.
 *
 * @param name          preset name
 * @param architecture  {@code qwen2} (Q/K/V bias, NEOX RoPE) or {@code llama}
 * @param hidden        embedding length
 * @param layers        block count
 * @param heads         attention heads
 * @param kvHeads       key/value heads
 * @param ffn           feed-forward length
 * @param vocab         vocabulary size (rows of the embedding)
 * @param contextLength trained context length written to the metadata
 * @param ropeTheta     rope frequency base
 * @param tied          true: no output.weight (the embedding is reused)
 */
public record SyntheticShape(
        String name,
        String architecture,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int ffn,
        int vocab,
        int contextLength,
        float ropeTheta,
        boolean tied) {

    /** The shape of ../shared/data/golden: hidden 512, 2 layers, 4 heads, 2 KV heads, FFN 1024, 4118 tokens. */
    public static final SyntheticShape GOLDEN = new SyntheticShape("golden", "qwen2", 512, 2, 4, 2, 1024, 4118, 4096, 1e6f, false);
    /** DeepSeek-R1-Distill-Qwen-1.5B (Qwen2.5-Math-1.5B): tied embeddings. */
    public static final SyntheticShape B1_5 = new SyntheticShape("1.5b", "qwen2", 1536, 28, 12, 2, 8960, 151936, 131072, 1e4f, false);
    /** DeepSeek-R1-Distill-Qwen-7B. */
    public static final SyntheticShape B7 = new SyntheticShape("7b", "qwen2", 3584, 28, 28, 4, 18944, 152064, 131072, 1e4f, false);
    /** DeepSeek-R1-Distill-Qwen-14B (Qwen2.5-14B). */
    public static final SyntheticShape B14 = new SyntheticShape("14b", "qwen2", 5120, 48, 40, 8, 13824, 152064, 131072, 1e6f, false);
    /** A small Llama-architecture shape (interleaved RoPE, no biases) for tests. */
    public static final SyntheticShape LLAMA_TINY = new SyntheticShape("llama-tiny", "llama", 256, 2, 4, 2, 512, 4118, 2048, 1e4f, false);

    public static final List<SyntheticShape> PRESETS = List.of(GOLDEN, B1_5, B7, B14, LLAMA_TINY);

    public SyntheticShape {
        if (hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || ffn <= 0 || vocab <= 0 || contextLength <= 0) {
            throw new IllegalArgumentException("shape " + name + ": sizes must be positive");
        }
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("shape " + name + ": hidden " + hidden + " must divide by heads " + heads
                    + " and heads by kv heads " + kvHeads);
        }
        if (!architecture.equals("qwen2") && !architecture.equals("llama")) {
            throw new IllegalArgumentException("shape " + name + ": architecture must be qwen2 or llama, not " + architecture);
        }
    }

    public int headDim() {
        return hidden / heads;
    }

    /** A preset by name ({@code golden}, {@code 1.5b}, {@code 7b}, {@code 14b}, {@code llama-tiny}). */
    public static Optional<SyntheticShape> preset(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return PRESETS.stream().filter(s -> s.name.equals(n)).findFirst();
    }

    /** The same shape with another vocabulary size (for small-vocabulary test models). */
    public SyntheticShape withVocab(int newVocab) {
        return new SyntheticShape(name, architecture, hidden, layers, heads, kvHeads, ffn, newVocab, contextLength, ropeTheta, tied);
    }
}
