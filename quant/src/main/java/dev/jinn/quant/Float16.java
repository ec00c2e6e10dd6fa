package dev.jinn.quant;

/**
 * IEEE binary16 ("half", ggml's {@code ggml_fp16_t}) and bfloat16 conversions, as ggml does them.
 *
 * <p>{@link #toFloat(short)} is exact for every half value (subnormals, infinities and NaN included).
 * {@link #fromFloat(float)} rounds to nearest, ties to even, like ggml's {@code GGML_FP32_TO_FP16} (F16C
 * {@code vcvtps2ph} with rounding mode 0, or its portable twin): values too large become infinity, values too small
 * become signed zero or a subnormal, NaN stays NaN. Both delegate to the JDK's {@link Float#float16ToFloat(short)}
 * and {@link Float#floatToFloat16(float)}, which HotSpot compiles to the F16C instructions on x86.
 *
 * <p>Stateless and thread-safe.
 */
public final class Float16 {
    private Float16() {
    }

    /** The float value of the half-precision bits {@code bits}; exact. */
    public static float toFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** The half-precision bits nearest to {@code value} (round to nearest, ties to even). */
    public static short fromFloat(float value) {
        return Float.floatToFloat16(value);
    }

    /** The float value of the bfloat16 bits {@code bits}: exact, the bits become the upper half of a float. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * The bfloat16 bits nearest to {@code value} as ggml's {@code ggml_compute_fp32_to_bf16} computes them: round to
     * nearest, ties to even, on the raw bits (so a large finite value may round to infinity); a NaN keeps its sign
     * and upper payload bits and is made quiet. Subnormals are rounded, not flushed.
     */
    public static short floatToBf16(float value) {
        int u = Float.floatToRawIntBits(value);
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((u >>> 16) | 0x40);
        }
        return (short) ((u + (0x7FFF + ((u >>> 16) & 1))) >>> 16);
    }
}
