package dev.jinn.runtime.gpu.kernels;

import java.util.List;

/**
 * Every CUDA kernel the GPU backend launches, with its parameter kinds, in the order the kernel declares them.
 * The contract is {@code runtime-gpu/KERNELS.md}; the CUDA sources, the Java reference twins and the host code
 * all follow it.
 */
public enum Kernel {
    EMBED("jinn_embed", P.PTR, P.I32, P.PTR, P.PTR, P.I32, P.I32),
    RMSNORM("jinn_rmsnorm", P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.F32),
    MATVEC_F32("jinn_matvec_f32", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_F16("jinn_matvec_f16", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_BF16("jinn_matvec_bf16", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_Q8_0("jinn_matvec_q8_0", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_Q4_0("jinn_matvec_q4_0", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_Q4_K("jinn_matvec_q4_k", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_Q5_K("jinn_matvec_q5_k", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    MATVEC_Q6_K("jinn_matvec_q6_k", P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_F32("jinn_dequant_f16_f32", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_F16("jinn_dequant_f16_f16", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_BF16("jinn_dequant_f16_bf16", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_Q8_0("jinn_dequant_f16_q8_0", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_Q4_0("jinn_dequant_f16_q4_0", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_Q4_K("jinn_dequant_f16_q4_k", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_Q5_K("jinn_dequant_f16_q5_k", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    DEQUANT_F16_Q6_K("jinn_dequant_f16_q6_k", P.PTR, P.PTR, P.I32, P.I32, P.I32),
    F32_TO_F16("jinn_f32_to_f16", P.PTR, P.PTR, P.I32),
    QUANTIZE_Q8_0("jinn_quantize_q8_0", P.PTR, P.PTR, P.I32),
    ADD_BIAS("jinn_add_bias", P.PTR, P.PTR, P.I32, P.I32),
    /** The F32 is the per-pair factor {@code theta^(-2/headDim)} (see {@link Launches#ropeThetaScale}). */
    ROPE("jinn_rope", P.PTR, P.PTR, P.I32, P.I32, P.I32, P.F32, P.I32),
    KV_STORE("jinn_kv_store", P.PTR, P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32, P.I32, P.I32),
    ATTENTION("jinn_attention", P.PTR, P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32, P.I32, P.I32, P.I32,
            P.I32, P.F32),
    ATTENTION_F16("jinn_attention_f16", P.PTR, P.PTR, P.PTR, P.PTR, P.PTR, P.I32, P.I32, P.I32, P.I32, P.I32,
            P.F32),
    ATTENTION_REDUCE("jinn_attention_reduce", P.PTR, P.PTR, P.I32, P.I32, P.I32, P.I32),
    SWIGLU("jinn_swiglu", P.PTR, P.PTR, P.PTR, P.I32),
    ADD("jinn_add", P.PTR, P.PTR, P.I32);

    /** The kind of one kernel parameter. */
    public enum P {
        /** A device pointer ({@code CUdeviceptr}, 8 bytes). */
        PTR,
        /** A 32-bit signed integer. */
        I32,
        /** A 32-bit float. */
        F32;

        /** Bytes the argument takes. */
        public int bytes() {
            return this == PTR ? 8 : 4;
        }
    }

    private final String symbol;
    private final List<P> params;

    Kernel(String symbol, P... params) {
        this.symbol = symbol;
        this.params = List.of(params);
    }

    /** The kernel's name in the fatbin ({@code extern "C"}, so unmangled). */
    public String symbol() {
        return symbol;
    }

    /** Its parameter kinds, in declaration order. */
    public List<P> params() {
        return params;
    }
}
