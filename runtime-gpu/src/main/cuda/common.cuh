// Shared helpers of Jinn's CUDA kernels: warp reductions, f16/bf16 conversions, ggml's Q8_0 activation rounding, unaligned little-endian loads and
// the exact small-integer-to-float conversion the mat-vecs use. See runtime-gpu/KERNELS.md for the ABI.
#pragma once

#include <cuda_fp16.h>
#include <stdint.h>

#define JINN_DEVICE __device__ __forceinline__

// Sum over the 32 lanes of a warp; every lane gets the total.
JINN_DEVICE float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

// Two warp sums at once, their shuffles interleaved.
JINN_DEVICE void warp_sum2(float& a, float& b) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        a += __shfl_xor_sync(0xffffffffu, a, o);
        b += __shfl_xor_sync(0xffffffffu, b, o);
    }
}

// Maximum over the 32 lanes of a warp (fmaxf: a NaN lane is ignored); every lane gets it.
JINN_DEVICE float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// IEEE half bits to float (exact).
JINN_DEVICE float f16_bits(uint32_t bits) {
    return __half2float(__ushort_as_half((unsigned short) (bits & 0xffffu)));
}

// bfloat16 bits to float (exact: they are the upper half of the float).
JINN_DEVICE float bf16_bits(uint32_t bits) {
    return __uint_as_float(bits << 16);
}

// float to IEEE half bits, round to nearest even, saturating: a finite value beyond the half range (and an
// infinity) becomes ±65504 rather than ±inf, so one large activation cannot turn a whole cuBLAS product row into
// inf/NaN; a NaN stays a NaN.
JINN_DEVICE unsigned short to_f16_sat(float f) {
    const float c = fabsf(f) > 65504.0f ? copysignf(65504.0f, f) : f;
    return __half_as_ushort(__float2half_rn(c));
}

// Value `lane` of a 32-value block held one per lane of a warp, rounded as ggml's (x86) quantize_row_q8_0 does:
// scale d = amax/127 stored as f16, q = rint(x·127/amax) (0 for an all-zero block). Returns q; d is the f16 scale
// as a float. Every lane of the warp must call it (a warp-wide max).
JINN_DEVICE int quantize_q8_0_lane(float x, float& d) {
    const float amax = warp_max(fabsf(x));
    d = __half2float(__float2half_rn(amax / 127.0f));
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    return __float2int_rn(__fmul_rn(x, id));
}

// Loads for blocks that are only 2-byte aligned (Q8_0, Q4_0, Q6_K): a little-endian u16, or a u32 from two u16.
JINN_DEVICE uint32_t ld_u16(const uint8_t* p) {
    return *(const unsigned short*) p;
}

JINN_DEVICE uint32_t ld_u32_a2(const uint8_t* p) {
    const unsigned short* s = (const unsigned short*) p;
    return (uint32_t) s[0] | ((uint32_t) s[1] << 16);
}

// Byte k (0..3, a compile-time constant after unrolling) of word w as a float, minus `bias`, exactly: the byte
// becomes the low mantissa byte of 2^23 (one PRMT), one FADD removes 2^23 + bias. Cheaper than I2F, which runs at
// a quarter of the FP32 rate and would cap the 4-bit mat-vecs below HBM bandwidth.
template <int K>
JINN_DEVICE float byte_to_float(uint32_t w, float bias) {
    return __uint_as_float(__byte_perm(w, 0x4b000000u, 0x7540u | K)) - (8388608.0f + bias);
}

// Σ over the four bytes of w (unsigned, minus bias) times x.
JINN_DEVICE float dot4(uint32_t w, float4 x, float bias) {
    float s = byte_to_float<0>(w, bias) * x.x;
    s = fmaf(byte_to_float<1>(w, bias), x.y, s);
    s = fmaf(byte_to_float<2>(w, bias), x.z, s);
    return fmaf(byte_to_float<3>(w, bias), x.w, s);
}

JINN_DEVICE float hsum4(float4 x) {
    return (x.x + x.y) + (x.z + x.w);
}

JINN_DEVICE float4 ld_f4(const float* p) {
    return __ldg((const float4*) p);
}

JINN_DEVICE bool aligned16(const void* p) {
    return ((uintptr_t) p & 15u) == 0;
}
