// Shared helpers of Jinn's CUDA kernels: warp reductions, f16/bf16 conversions, unaligned little-endian loads and
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

// float to bfloat16 bits, round to nearest even on the raw bits; a NaN keeps sign and upper payload and is made
// quiet (as ggml_compute_fp32_to_bf16 and Jinn's Float16.floatToBf16).
JINN_DEVICE unsigned short to_bf16(float f) {
    uint32_t u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return (unsigned short) ((u >> 16) | 0x40u);
    }
    return (unsigned short) ((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
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
