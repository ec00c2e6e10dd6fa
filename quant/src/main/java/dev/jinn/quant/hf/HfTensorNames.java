package dev.jinn.quant.hf;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps Hugging Face tensor names of Qwen2ForCausalLM / LlamaForCausalLM checkpoints to the names llama.cpp uses in
 * GGUF files, and back. Only names change here: shapes keep their data (a PyTorch [out, in] weight is GGUF dims
 * [in, out] over the same bytes). Llama-architecture GGUFs also expect Q and K weights permuted for llama.cpp's
 * interleaved RoPE; that is a converter's job, not this table's (Qwen2 needs no permutation).
 */
public final class HfTensorNames {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d{1,6})\\.(.+)\\.(weight|bias)");
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d{1,6})\\.(.+)\\.(weight|bias)");

    private static final Map<String, String> GLOBAL = Map.of(
            "model.embed_tokens.weight", "token_embd.weight",
            "model.norm.weight", "output_norm.weight",
            "lm_head.weight", "output.weight");

    private static final Map<String, String> IN_LAYER = Map.of(
            "self_attn.q_proj", "attn_q",
            "self_attn.k_proj", "attn_k",
            "self_attn.v_proj", "attn_v",
            "self_attn.o_proj", "attn_output",
            "mlp.gate_proj", "ffn_gate",
            "mlp.up_proj", "ffn_up",
            "mlp.down_proj", "ffn_down",
            "input_layernorm", "attn_norm",
            "post_attention_layernorm", "ffn_norm");

    private static final Map<String, String> GLOBAL_BACK = invert(GLOBAL);
    private static final Map<String, String> IN_LAYER_BACK = invert(IN_LAYER);

    private HfTensorNames() {}

    /**
     * The GGUF name of a Hugging Face tensor: {@code model.layers.3.self_attn.q_proj.bias} →
     * {@code blk.3.attn_q.bias}; empty for names with no GGUF counterpart (see {@link #isIgnored}).
     */
    public static Optional<String> toGguf(String hfName) {
        String g = GLOBAL.get(hfName);
        if (g != null) {
            return Optional.of(g);
        }
        Matcher m = LAYER.matcher(hfName);
        if (m.matches()) {
            String part = IN_LAYER.get(m.group(2));
            if (part != null) {
                return Optional.of("blk." + Integer.parseInt(m.group(1)) + "." + part + "." + m.group(3));
            }
        }
        return Optional.empty();
    }

    /** The Hugging Face name of a GGUF tensor: the inverse of {@link #toGguf}. */
    public static Optional<String> toHf(String ggufName) {
        String h = GLOBAL_BACK.get(ggufName);
        if (h != null) {
            return Optional.of(h);
        }
        Matcher m = BLOCK.matcher(ggufName);
        if (m.matches()) {
            String part = IN_LAYER_BACK.get(m.group(2));
            if (part != null) {
                return Optional.of("model.layers." + Integer.parseInt(m.group(1)) + "." + part + "." + m.group(3));
            }
        }
        return Optional.empty();
    }

    /**
     * The GGUF name, or an {@link IllegalArgumentException} naming the tensor when it has none.
     */
    public static String requireGguf(String hfName) {
        return toGguf(hfName).orElseThrow(() -> new IllegalArgumentException("tensor '" + hfName
                + "' has no GGUF name (not a Qwen2/Llama decoder tensor)"));
    }

    /**
     * True for tensors checkpoints carry that a GGUF model does not need: precomputed RoPE frequencies
     * ({@code *.rotary_emb.inv_freq}).
     */
    public static boolean isIgnored(String hfName) {
        return hfName.endsWith(".rotary_emb.inv_freq");
    }

    private static Map<String, String> invert(Map<String, String> m) {
        java.util.HashMap<String, String> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(v, k));
        return Map.copyOf(out);
    }
}
