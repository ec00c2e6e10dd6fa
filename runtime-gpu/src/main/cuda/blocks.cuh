// The ggml weight layouts (../shared/docs/FORMATS.md), twice: one value at a time for embedding rows and bf16
// dequantization, decoded in ggml's float32 order of operations so results equal the Java codecs bit for bit; and
// as mat-vec "parts", the share of one block that one lane multiplies with x (float32 x, or for Q8_0 and Q4_0 the
// int8 activations of jinn_quantize_q8_0).
//
// Mat-vec parts: Blk<T>::PARTS lanes share a block, so a warp walks 32 / PARTS consecutive blocks of a row per
// step (contiguous, coalesced bytes). Each lane loads its slice of x once (load_x) and reuses it for every row
// the warp owns (dot). Q4_K and Q5_K blocks (144 and 176 bytes) are 16-byte aligned in a 16-byte aligned matrix,
// so they are read with 16-byte loads; Q8_0 (34), Q4_0 (18) and Q6_K (210) blocks are only 2-byte aligned and
// are read as u16 pairs.
#pragma once

#include "common.cuh"

enum : int { T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q8_0 = 8, T_Q4_K = 12, T_Q5_K = 13, T_Q6_K = 14, T_BF16 = 30 };

template <int T>
struct Blk;

// get_scale_min_k4 on the 12 packed bytes at s: 6-bit scale and min of sub-block j.
JINN_DEVICE void scale_min_bytes(int j, const uint8_t* s, int& sc, int& m) {
    if (j < 4) {
        sc = s[j] & 63;
        m = s[j + 4] & 63;
    } else {
        sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// The scales and mins of sub-blocks 2g and 2g+1 (g = 0..3, constant per lane) from the 12 bytes held in three
// words (w0 = bytes 0..3, w1 = 4..7, w2 = 8..11), as byte pairs, without branches: lanes of one warp have different
// g, and a branch on g < 2 would run both sides for the whole warp. Never indexes registers by a run-time value
// (which would put them in local memory).
JINN_DEVICE void scale_min_pair(int g, uint32_t w0, uint32_t w1, uint32_t w2, float& sc0, float& sc1, float& m0,
        float& m1) {
    const int sh = 16 * (g & 1);
    const uint32_t a = w0 >> sh, b = w1 >> sh, c = w2 >> sh;
    // g < 2: sc = s[2g] & 63, m = s[2g+4] & 63; g >= 2: sc = (s[2g+4] & 15) | (s[2g-4] >> 6) << 4,
    // m = (s[2g+4] >> 4) | (s[2g] >> 6) << 4; each for two consecutive bytes at once
    const bool high = g >= 2;
    const uint32_t sc = high ? ((c & 0x0f0fu) | ((a >> 2) & 0x3030u)) : (a & 0x3f3fu);
    const uint32_t m = high ? (((c >> 4) & 0x0f0fu) | ((b >> 2) & 0x3030u)) : (b & 0x3f3fu);
    sc0 = (float) (sc & 0xffu);
    sc1 = (float) (sc >> 8 & 0xffu);
    m0 = (float) (m & 0xffu);
    m1 = (float) (m >> 8 & 0xffu);
}

template <>
struct Blk<T_F32> {
    static constexpr int VALUES = 1, BYTES = 4;
    static JINN_DEVICE float value(const uint8_t* row, int c) { return ((const float*) row)[c]; }
};

template <>
struct Blk<T_F16> {
    static constexpr int VALUES = 1, BYTES = 2;
    static JINN_DEVICE float value(const uint8_t* row, int c) { return f16_bits(ld_u16(row + 2 * c)); }
};

template <>
struct Blk<T_BF16> {
    static constexpr int VALUES = 1, BYTES = 2;
    static JINN_DEVICE float value(const uint8_t* row, int c) { return bf16_bits(ld_u16(row + 2 * c)); }
};

// [0,2) f16 d, [2,34) int8 qs; value = q·d
template <>
struct Blk<T_Q8_0> {
    static constexpr int VALUES = 32, BYTES = 34, PARTS = 4;

    static JINN_DEVICE float value(const uint8_t* row, int c) {
        const uint8_t* b = row + (c >> 5) * BYTES;
        return __fmul_rn((float) (int8_t) b[2 + (c & 31)], f16_bits(ld_u16(b)));
    }

    // Against Q8_0 activations (jinn_quantize_q8_0): lane part p takes int8 values 8p..8p+7 of the block and its
    // scale; ggml's vec_dot_q8_0_q8_0, an exact integer dot product times the product of the two scales.
    struct XQ {
        int a, b;
        float d;
    };

    static JINN_DEVICE void load_xq(XQ& x, const int8_t* xb, float d, int p) {
        const uint2 v = __ldg((const uint2*) (xb + 8 * p));
        x.a = (int) v.x;
        x.b = (int) v.y;
        x.d = d;
    }

    static JINN_DEVICE float dot_q8(const uint8_t* b, int p, const XQ& x) {
        const int s = __dp4a((int) ld_u32_a2(b + 2 + 8 * p), x.a, __dp4a((int) ld_u32_a2(b + 6 + 8 * p), x.b, 0));
        return __fmul_rn(f16_bits(ld_u16(b)), x.d) * (float) s;
    }
};

// [0,2) f16 d, [2,18) qs: value j < 16 is the low nibble of qs[j], value j + 16 its high nibble; value = (q-8)·d
template <>
struct Blk<T_Q4_0> {
    static constexpr int VALUES = 32, BYTES = 18, PARTS = 4;

    static JINN_DEVICE float value(const uint8_t* row, int c) {
        const uint8_t* b = row + (c >> 5) * BYTES;
        const int j = c & 31;
        const int v = b[2 + (j & 15)];
        const int q = j < 16 ? (v & 0xf) : (v >> 4);
        return __fmul_rn((float) (q - 8), f16_bits(ld_u16(b)));
    }

    // Against Q8_0 activations: lane part p takes int8 values 4p..4p+3 and 16+4p..16+4p+3 (its nibbles' partners);
    // ggml's vec_dot_q4_0_q8_0: Σ(q-8)·x8 = Σq·x8 - 8·Σx8, exact in integers, times the product of the scales.
    struct XQ {
        int lo, hi;
        float d;
    };

    static JINN_DEVICE void load_xq(XQ& x, const int8_t* xb, float d, int p) {
        x.lo = __ldg((const int*) (xb + 4 * p));
        x.hi = __ldg((const int*) (xb + 16 + 4 * p));
        x.d = d;
    }

    static JINN_DEVICE float dot_q8(const uint8_t* b, int p, const XQ& x) {
        const uint32_t q = ld_u32_a2(b + 2 + 4 * p);
        const int s = __dp4a((int) (q & 0x0f0f0f0fu), x.lo, __dp4a((int) ((q >> 4) & 0x0f0f0f0fu), x.hi, 0));
        const int sx = __dp4a(0x01010101, x.lo, __dp4a(0x01010101, x.hi, 0));
        return __fmul_rn(f16_bits(ld_u16(b)), x.d) * (float) (s - 8 * sx);
    }
};

// Q4_K and Q5_K share the lane split: part p (0..7) takes group g = p/2 (64 values, sub-blocks 2g and 2g+1) and
// half h = p%2 of it: values 64g+16h..+15 (low nibbles, sub-block 2g) and 64g+32+16h..+15 (high, sub-block 2g+1).
struct KX {
    float4 lo[4], hi[4];
    float slo, shi; // Σx of each span, for the mins
};

JINN_DEVICE void load_kx(KX& x, const float* xb, int p) {
    const float* a = xb + 64 * (p >> 1) + 16 * (p & 1);
#pragma unroll
    for (int k = 0; k < 4; k++) {
        x.lo[k] = ld_f4(a + 4 * k);
        x.hi[k] = ld_f4(a + 32 + 4 * k);
    }
    x.slo = (hsum4(x.lo[0]) + hsum4(x.lo[1])) + (hsum4(x.lo[2]) + hsum4(x.lo[3]));
    x.shi = (hsum4(x.hi[0]) + hsum4(x.hi[1])) + (hsum4(x.hi[2]) + hsum4(x.hi[3]));
}

// [0,2) f16 d, [2,4) f16 dmin, [4,16) scales, [16,144) qs; value = (d·sc)·q − dmin·m
template <>
struct Blk<T_Q4_K> {
    static constexpr int VALUES = 256, BYTES = 144, PARTS = 8;
    using X = KX;

    static JINN_DEVICE float value(const uint8_t* row, int c) {
        const uint8_t* b = row + (c >> 8) * BYTES;
        const int e = c & 255, g = e >> 6, hi = (e >> 5) & 1, l = e & 31;
        const int v = b[16 + 32 * g + l];
        const int q = hi ? (v >> 4) : (v & 0xf);
        int sc, m;
        scale_min_bytes(2 * g + hi, b + 4, sc, m);
        const float d1 = __fmul_rn(f16_bits(ld_u16(b)), (float) sc);
        const float m1 = __fmul_rn(f16_bits(ld_u16(b + 2)), (float) m);
        return __fsub_rn(__fmul_rn(d1, (float) q), m1);
    }

    static JINN_DEVICE void load_x(X& x, const float* xb, int p) { load_kx(x, xb, p); }

    static JINN_DEVICE float dot(const uint8_t* b, int p, const X& x) {
        const int g = p >> 1, h = p & 1;
        const uint4 hd = __ldg((const uint4*) b);
        const uint4 q = __ldg((const uint4*) (b + 16 + 32 * g + 16 * h));
        float sc0, sc1, m0, m1;
        scale_min_pair(g, hd.y, hd.z, hd.w, sc0, sc1, m0, m1);
        const uint32_t qw[4] = {q.x, q.y, q.z, q.w};
        float lo = 0.0f, hi = 0.0f;
#pragma unroll
        for (int k = 0; k < 4; k++) {
            lo += dot4(qw[k] & 0x0f0f0f0fu, x.lo[k], 0.0f);
            hi += dot4((qw[k] >> 4) & 0x0f0f0f0fu, x.hi[k], 0.0f);
        }
        return f16_bits(hd.x) * (sc0 * lo + sc1 * hi) - f16_bits(hd.x >> 16) * (m0 * x.slo + m1 * x.shi);
    }
};

// [0,2) d, [2,4) dmin, [4,16) scales, [16,48) qh (bit 2g / 2g+1 of qh[l] is the fifth bit of the low / high
// nibble of group g), [48,176) qs
template <>
struct Blk<T_Q5_K> {
    static constexpr int VALUES = 256, BYTES = 176, PARTS = 8;
    using X = KX;

    static JINN_DEVICE float value(const uint8_t* row, int c) {
        const uint8_t* b = row + (c >> 8) * BYTES;
        const int e = c & 255, g = e >> 6, hi = (e >> 5) & 1, l = e & 31;
        const int v = b[48 + 32 * g + l];
        const int j = 2 * g + hi;
        const int q = (hi ? (v >> 4) : (v & 0xf)) | (((b[16 + l] >> j) & 1) << 4);
        int sc, m;
        scale_min_bytes(j, b + 4, sc, m);
        const float d1 = __fmul_rn(f16_bits(ld_u16(b)), (float) sc);
        const float m1 = __fmul_rn(f16_bits(ld_u16(b + 2)), (float) m);
        return __fsub_rn(__fmul_rn(d1, (float) q), m1);
    }

    static JINN_DEVICE void load_x(X& x, const float* xb, int p) { load_kx(x, xb, p); }

    static JINN_DEVICE float dot(const uint8_t* b, int p, const X& x) {
        const int g = p >> 1, h = p & 1;
        const uint4 hd = __ldg((const uint4*) b);
        const uint4 qh = __ldg((const uint4*) (b + 16 + 16 * h));
        const uint4 q = __ldg((const uint4*) (b + 48 + 32 * g + 16 * h));
        float sc0, sc1, m0, m1;
        scale_min_pair(g, hd.y, hd.z, hd.w, sc0, sc1, m0, m1);
        const uint32_t qw[4] = {q.x, q.y, q.z, q.w};
        const uint32_t hw[4] = {qh.x, qh.y, qh.z, qh.w};
        float lo = 0.0f, hi = 0.0f;
#pragma unroll
        for (int k = 0; k < 4; k++) {
            const uint32_t l5 = (qw[k] & 0x0f0f0f0fu) | (((hw[k] >> (2 * g)) & 0x01010101u) << 4);
            const uint32_t h5 = ((qw[k] >> 4) & 0x0f0f0f0fu) | (((hw[k] >> (2 * g + 1)) & 0x01010101u) << 4);
            lo += dot4(l5, x.lo[k], 0.0f);
            hi += dot4(h5, x.hi[k], 0.0f);
        }
        return f16_bits(hd.x) * (sc0 * lo + sc1 * hi) - f16_bits(hd.x >> 16) * (m0 * x.slo + m1 * x.shi);
    }
};

// [0,128) ql, [128,192) qh, [192,208) int8 scales, [208,210) f16 d. For half h and l < 32: ql[64h+l] holds the
// low nibbles of values 128h+l (bits 0-3) and 128h+64+l (bits 4-7), ql[64h+32+l] those of 128h+32+l and
// 128h+96+l, qh[32h+l] their two high bits (pairs 0-1, 2-3, 4-5, 6-7); scale of value 128h+32k+l is
// scales[8h + l/16 + 2k]; value = d·sc·(q − 32).
template <>
struct Blk<T_Q6_K> {
    static constexpr int VALUES = 256, BYTES = 210, PARTS = 16;

    static JINN_DEVICE float value(const uint8_t* row, int c) {
        const uint8_t* b = row + (c >> 8) * BYTES;
        const int e = c & 255, h = e >> 7, k = (e >> 5) & 3, l = e & 31;
        const int ql = b[64 * h + 32 * (k & 1) + l];
        const int lo = (k & 2) ? (ql >> 4) : (ql & 0xf);
        const int hb = (b[128 + 32 * h + l] >> (2 * k)) & 3;
        const float s = __fmul_rn(f16_bits(ld_u16(b + 208)), (float) (int8_t) b[192 + 8 * h + l / 16 + 2 * k]);
        return __fmul_rn(s, (float) ((lo | (hb << 4)) - 32));
    }

    struct X {
        float4 v[4]; // values 128h + 32k + l0 .. +3 for k = 0..3
    };

    // lane part p: half h = p/8, l0 = 4·(p%8): l = l0..l0+3 in each of the four 32-value quarters of the half
    static JINN_DEVICE void load_x(X& x, const float* xb, int p) {
        const float* a = xb + 128 * (p >> 3) + 4 * (p & 7);
#pragma unroll
        for (int k = 0; k < 4; k++) {
            x.v[k] = ld_f4(a + 32 * k);
        }
    }

    static JINN_DEVICE float dot(const uint8_t* b, int p, const X& x) {
        const int h = p >> 3, l0 = 4 * (p & 7);
        const uint32_t a = ld_u32_a2(b + 64 * h + l0);
        const uint32_t c = ld_u32_a2(b + 64 * h + 32 + l0);
        const uint32_t e = ld_u32_a2(b + 128 + 32 * h + l0);
        const int8_t* sc = (const int8_t*) (b + 192 + 8 * h + (l0 >> 4));
        const uint32_t q0 = (a & 0x0f0f0f0fu) | ((e & 0x03030303u) << 4);
        const uint32_t q1 = (c & 0x0f0f0f0fu) | (((e >> 2) & 0x03030303u) << 4);
        const uint32_t q2 = ((a >> 4) & 0x0f0f0f0fu) | (((e >> 4) & 0x03030303u) << 4);
        const uint32_t q3 = ((c >> 4) & 0x0f0f0f0fu) | (((e >> 6) & 0x03030303u) << 4);
        float s = (float) sc[0] * dot4(q0, x.v[0], 32.0f);
        s = fmaf((float) sc[2], dot4(q1, x.v[1], 32.0f), s);
        s = fmaf((float) sc[4], dot4(q2, x.v[2], 32.0f), s);
        s = fmaf((float) sc[6], dot4(q3, x.v[3], 32.0f), s);
        return f16_bits(ld_u16(b + 208)) * s;
    }
};
