package dev.jinn.quant;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A whole-model quantization choice ("Q4_K_M", "Q8_0", "BF16", ...) and the type it gives each tensor, following
 * llama.cpp's {@code llama_tensor_get_type} for the Qwen2/Llama tensor names, so that files we write (and memory we
 * plan) match what {@code llama-quantize} produces.
 *
 * <p>Rules, as llama.cpp applies them to quantized choices: 1-D tensors (norms, biases) stay F32; the output
 * matrix ({@code output.weight}, or {@code token_embd.weight} when the embeddings are tied) is Q6_K unless the choice
 * is Q8_0 or Q6_K itself; in Q4_K_M and Q5_K_M {@code attn_v} and {@code ffn_down} get Q6_K in the layers where llama.cpp's {@code use_more_bits} says
 * so (the first and last eighth of the layers and every third layer between). A K-quant needs a row length that is a
 * multiple of 256; rows that are not fall back to Q8_0 when they are a multiple of 32 (llama.cpp picks Q5_0/Q5_1
 * there, which Jinn does not encode) and otherwise to F16.
 *
 * @see <a href="https://github.com/ggml-org/llama.cpp">llama.cpp</a> src/llama-quant.cpp
 */
public enum Quantization {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    Q4_0(2, GgmlType.Q4_0),
    Q8_0(7, GgmlType.Q8_0),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    BF16(32, GgmlType.BF16);

    private static final Pattern LAYER = Pattern.compile("^blk\\.(\\d+)\\.");

    private final int fileType;
    private final GgmlType baseType;

    Quantization(int fileType, GgmlType baseType) {
        this.fileType = fileType;
        this.baseType = baseType;
    }

    /** The {@code general.file_type} value llama.cpp writes for this choice ({@code llama_ftype}). */
    public int fileType() {
        return fileType;
    }

    /** The type most matrices get. */
    public GgmlType baseType() {
        return baseType;
    }

    /** Parses a name such as {@code q4_k_m} or {@code BF16}. */
    public static Optional<Quantization> byName(String name) {
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The choice with this {@code general.file_type}, if Jinn knows it. */
    public static Optional<Quantization> byFileType(int fileType) {
        for (Quantization q : values()) {
            if (q.fileType == fileType) {
                return Optional.of(q);
            }
        }
        return Optional.empty();
    }

    /**
     * The type of one tensor.
     *
     * @param ggufName the GGUF tensor name ({@code blk.3.attn_v.weight})
     * @param dims     GGUF dims, innermost first
     * @param layers   the model's block count
     * @param hasOutput whether the model has its own {@code output.weight} (false: tied embeddings)
     */
    public GgmlType typeFor(String ggufName, long[] dims, int layers, boolean hasOutput) {
        if (dims.length < 2 || this == F32) {
            return GgmlType.F32;
        }
        GgmlType t = baseType;
        if (this == F16 || this == BF16) {
            return t;
        }
        boolean isOutput = ggufName.equals("output.weight") || !hasOutput && ggufName.equals("token_embd.weight");
        if (isOutput) {
            if (dims[0] % GgmlType.Q6_K.blockElements() != 0) {
                return GgmlType.Q8_0;
            }
            if (t != GgmlType.Q8_0) {
                t = GgmlType.Q6_K;
            }
        } else if ((this == Q4_K_M || this == Q5_K_M)
                && (ggufName.contains("attn_v.weight") || ggufName.contains("ffn_down"))) {
            int layer = layerOf(ggufName);
            if (layer >= 0 && useMoreBits(layer, layers)) {
                t = GgmlType.Q6_K;
            }
        }
        return fitRow(t, dims[0]);
    }

    /** {@code t} if a row of {@code rowLength} is a whole number of its blocks, else the fallback described above. */
    static GgmlType fitRow(GgmlType t, long rowLength) {
        if (rowLength % t.blockElements() == 0) {
            return t;
        }
        if (rowLength % GgmlType.Q8_0.blockElements() == 0) {
            return GgmlType.Q8_0;
        }
        return GgmlType.F16;
    }

    /** llama.cpp's {@code use_more_bits}. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static int layerOf(String name) {
        Matcher m = LAYER.matcher(name);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
