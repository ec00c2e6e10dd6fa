package dev.jinn.runtime.cpu.internal;

/** Half and bfloat16 rounding as ggml does it. */
final class Fp {
    private Fp() {}

    static float f16(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** Rounds to the nearest f16 value (ties to even), as GGML_FP32_TO_FP16 does. */
    static float roundF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 to bf16 bits, round to nearest even, NaN kept quiet (ggml_compute_fp32_to_bf16). */
    static short toBf16(float x) {
        int u = Float.floatToRawIntBits(x);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    static float roundBf16(float x) {
        return bf16(toBf16(x));
    }
}
