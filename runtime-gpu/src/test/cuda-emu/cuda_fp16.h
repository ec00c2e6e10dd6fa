// Host emulation of the CUDA built-ins Jinn's kernels use, so the unchanged kernel sources compile with g++ and run
// on CPU threads (emu.cpp): one std::thread per CUDA thread of a block, warps meeting at a barrier per shuffle, the
// block at a barrier per __syncthreads. Shared by name with the real <cuda_fp16.h> so common.cuh needs no #ifdef.
// Test scope only: it checks the kernels' indexing, layouts and arithmetic, not their speed.
#pragma once

#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct EmuDim {
    unsigned x, y, z;
};
extern thread_local EmuDim threadIdx, blockIdx;
extern EmuDim blockDim, gridDim;

struct float4 {
    float x, y, z, w;
};
struct uint4 {
    unsigned x, y, z, w;
};
struct uint2 {
    unsigned x, y;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

[[noreturn]] void emu_fail(const char* what, const void* p);

// Loads as the GPU makes them: a misaligned vector load is a fault there, so it aborts the emulation here.
template <class T>
inline T __ldg(const T* p) {
    if (((uintptr_t) p % sizeof(T)) != 0) {
        emu_fail("misaligned __ldg", p);
    }
    return *p;
}

inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
    const uint64_t in = (uint64_t) x | ((uint64_t) y << 32);
    unsigned r = 0;
    for (int i = 0; i < 4; i++) {
        r |= (unsigned) ((in >> (8 * ((s >> (4 * i)) & 7))) & 0xff) << (8 * i);
    }
    return r;
}
inline float __fmul_rn(float a, float b) { return a * b; } // built with -ffp-contract=off
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int __float2int_rn(float f) { return (int) std::nearbyint(f); } // FE_TONEAREST: ties to even
// Four signed byte products of a and b added to c (the signed overload; the kernels pass ints).
inline int __dp4a(int a, int b, int c) {
    for (int k = 0; k < 4; k++) {
        c += (int) (int8_t) (a >> (8 * k)) * (int) (int8_t) (b >> (8 * k));
    }
    return c;
}

struct __half {
    unsigned short bits;
};
inline __half __ushort_as_half(unsigned short b) { return __half{b}; }
inline unsigned short __half_as_ushort(__half h) { return h.bits; }
inline float __half2float(__half h) {
    const unsigned s = (h.bits >> 15) & 1, e = (h.bits >> 10) & 0x1f, m = h.bits & 0x3ff;
    float v;
    if (e == 0) {
        v = std::ldexp((float) m, -24);
    } else if (e == 31) {
        v = m ? NAN : INFINITY;
    } else {
        v = std::ldexp((float) (m | 0x400), (int) e - 25);
    }
    return s ? -v : v;
}
inline __half __float2half_rn(float f) {
    // round to nearest even through double: exact for every float, ties decided on the exact value
    const unsigned u = __float_as_uint(f);
    const unsigned short sign = (unsigned short) ((u >> 16) & 0x8000);
    const float a = std::fabs(f);
    if (std::isnan(f)) {
        return __half{(unsigned short) (sign | 0x7e00)};
    }
    if (a >= 65520.0f) {
        return __half{(unsigned short) (sign | 0x7c00)};
    }
    int e;
    std::frexp(a, &e); // a = f·2^e, f in [0.5, 1)
    const int exp = e - 1; // a in [2^exp, 2^(exp+1))
    const int q = exp < -14 ? -24 : exp - 10; // quantum of the half grid around a
    const double scaled = std::nearbyint(std::ldexp((double) a, -q)); // FE_TONEAREST: ties to even
    const double r = std::ldexp(scaled, q);
    // re-encode r (exact on the half grid)
    unsigned short bits;
    if (r == 0) {
        bits = 0;
    } else if (r < std::ldexp(1.0, -14)) {
        bits = (unsigned short) std::ldexp(r, 24);
    } else {
        int re;
        const double fr = std::frexp(r, &re);
        bits = (unsigned short) (((re - 1 + 15) << 10) | ((unsigned) std::ldexp(fr * 2 - 1, 10) & 0x3ff));
    }
    return __half{(unsigned short) (sign | bits)};
}

void __syncthreads();
float emu_shfl_xor(float v, int o);
double emu_shfl_xor_d(double v, int o);
inline float __shfl_xor_sync(unsigned, float v, int o) { return emu_shfl_xor(v, o); }
inline double __shfl_xor_sync(unsigned, double v, int o) { return emu_shfl_xor_d(v, o); }
