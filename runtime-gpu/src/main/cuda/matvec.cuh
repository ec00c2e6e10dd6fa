// jinn_matvec_<t>: out[i][r] = Σ_c w[r][c]·x[i][c] (+ bias[r]), the decode-time hot loop: it streams the whole
// weight matrix once per token, so it must run near HBM bandwidth.
//
// Geometry (Launches.matvec): blockDim (32, MATVEC_WARPS), grid (n, ceil(rows / (MATVEC_WARPS·ROWS_PER_WARP))).
// Block (i, y) computes activation row i; its warp w owns weight rows (y·blockDim.y + w)·ROWS_PER_WARP + 0..
// ROWS_PER_WARP-1. The activation row is the fastest grid index, so the blocks reading the same weight rows for
// different activation rows run together and all but the first read those rows from L2: a small batch (the host
// runs prefills of a few rows, and F16/F32 models, on these kernels) costs little more HBM traffic than one row.
// Each slice of x a lane loads (L1/L2-resident: one row of x is at most a few tens of KiB) serves all of the
// warp's rows, which halves the L1 traffic of x against the weight bytes; partial sums stay in registers and meet
// in one warp-shuffle reduction per row.
#pragma once

#include "blocks.cuh"

constexpr int ROWS_PER_WARP = 2; // Launches.MATVEC_ROWS_PER_WARP (KernelBinaryTest compares them)

JINN_DEVICE void matvec_store(float (&acc)[ROWS_PER_WARP], int row0, const float* __restrict__ bias,
        float* __restrict__ out, int rows) {
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        acc[r] = warp_sum(acc[r]);
    }
    if (threadIdx.x == 0) {
        float* o = out + (size_t) blockIdx.x * rows;
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            if (row0 + r < rows) {
                o[row0 + r] = acc[r] + (bias != nullptr ? bias[row0 + r] : 0.0f);
            }
        }
    }
}

// Quantized types: blocks of Blk<T>::VALUES values, Blk<T>::PARTS lanes per block.
template <int T>
JINN_DEVICE void matvec_quant(const uint8_t* __restrict__ w, const float* __restrict__ x,
        const float* __restrict__ bias, float* __restrict__ out, int rows, int cols) {
    using B = Blk<T>;
    const int row0 = (blockIdx.y * blockDim.y + threadIdx.y) * ROWS_PER_WARP;
    if (row0 >= rows) {
        return; // the whole warp leaves together
    }
    const int lane = threadIdx.x;
    const int nblocks = cols / B::VALUES;
    const size_t rowBytes = (size_t) nblocks * B::BYTES;
    const float* xi = x + (size_t) blockIdx.x * cols;
    const uint8_t* wr[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        wr[r] = w + (size_t) min(row0 + r, rows - 1) * rowBytes; // a missing last row recomputes row rows-1
    }
    float acc[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        acc[r] = 0.0f;
    }
    const int part = lane % B::PARTS;
    constexpr int STEP = 32 / B::PARTS;
    for (int b = lane / B::PARTS; b < nblocks; b += STEP) {
        typename B::X xs;
        B::load_x(xs, xi + (size_t) b * B::VALUES, part);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            acc[r] += B::dot(wr[r] + (size_t) b * B::BYTES, part, xs);
        }
    }
    matvec_store(acc, row0, bias, out, rows);
}

// Q8_0 and Q4_0 against activations quantized by jinn_quantize_q8_0 (int8 values [n][cols] at xq, then float
// scales [n][cols/32]), as ggml multiplies these weights: same lane split as matvec_quant, integer dot products.
template <int T>
JINN_DEVICE void matvec_q8(const uint8_t* __restrict__ w, const int8_t* __restrict__ xq,
        const float* __restrict__ bias, float* __restrict__ out, int rows, int cols, int n) {
    using B = Blk<T>;
    const int row0 = (blockIdx.y * blockDim.y + threadIdx.y) * ROWS_PER_WARP;
    if (row0 >= rows) {
        return; // the whole warp leaves together
    }
    const int lane = threadIdx.x;
    const int nblocks = cols / B::VALUES;
    const size_t rowBytes = (size_t) nblocks * B::BYTES;
    const int8_t* xi = xq + (size_t) blockIdx.x * cols;
    const float* xd = (const float*) (xq + (size_t) n * cols) + (size_t) blockIdx.x * nblocks;
    const uint8_t* wr[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        wr[r] = w + (size_t) min(row0 + r, rows - 1) * rowBytes;
    }
    float acc[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        acc[r] = 0.0f;
    }
    const int part = lane % B::PARTS;
    constexpr int STEP = 32 / B::PARTS;
    for (int b = lane / B::PARTS; b < nblocks; b += STEP) {
        typename B::XQ xs;
        B::load_xq(xs, xi + (size_t) b * B::VALUES, __ldg(xd + b), part);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            acc[r] += B::dot_q8(wr[r] + (size_t) b * B::BYTES, part, xs);
        }
    }
    matvec_store(acc, row0, bias, out, rows);
}

// f32, f16, bf16: 16 bytes of a row per lane and step when the row and x are 16-byte aligned, else one value.
template <int T>
JINN_DEVICE void float_values(uint4 v, float (&f)[T == T_F32 ? 4 : 8]) {
    if constexpr (T == T_F32) {
        f[0] = __uint_as_float(v.x);
        f[1] = __uint_as_float(v.y);
        f[2] = __uint_as_float(v.z);
        f[3] = __uint_as_float(v.w);
    } else {
        const uint32_t u[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int k = 0; k < 4; k++) {
            if constexpr (T == T_F16) {
                f[2 * k] = f16_bits(u[k]);
                f[2 * k + 1] = f16_bits(u[k] >> 16);
            } else {
                f[2 * k] = __uint_as_float(u[k] << 16);
                f[2 * k + 1] = __uint_as_float(u[k] & 0xffff0000u);
            }
        }
    }
}

template <int T>
JINN_DEVICE void matvec_float(const uint8_t* __restrict__ w, const float* __restrict__ x,
        const float* __restrict__ bias, float* __restrict__ out, int rows, int cols) {
    constexpr int ESIZE = Blk<T>::BYTES;
    constexpr int V = 16 / ESIZE;
    const int row0 = (blockIdx.y * blockDim.y + threadIdx.y) * ROWS_PER_WARP;
    if (row0 >= rows) {
        return;
    }
    const int lane = threadIdx.x;
    const size_t rowBytes = (size_t) cols * ESIZE;
    const float* xi = x + (size_t) blockIdx.x * cols;
    const uint8_t* wr[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        wr[r] = w + (size_t) min(row0 + r, rows - 1) * rowBytes;
    }
    float acc[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        acc[r] = 0.0f;
    }
    if (cols % V == 0 && aligned16(w) && aligned16(xi)) { // uniform over the launch
        for (int c = lane * V; c < cols; c += 32 * V) {
            float xv[V];
#pragma unroll
            for (int k = 0; k < V; k += 4) {
                const float4 f = ld_f4(xi + c + k);
                xv[k] = f.x;
                xv[k + 1] = f.y;
                xv[k + 2] = f.z;
                xv[k + 3] = f.w;
            }
#pragma unroll
            for (int r = 0; r < ROWS_PER_WARP; r++) {
                float wv[V];
                float_values<T>(__ldg((const uint4*) (wr[r] + (size_t) c * ESIZE)), wv);
#pragma unroll
                for (int k = 0; k < V; k++) {
                    acc[r] = fmaf(wv[k], xv[k], acc[r]);
                }
            }
        }
    } else {
        for (int c = lane; c < cols; c += 32) {
            const float xv = xi[c];
#pragma unroll
            for (int r = 0; r < ROWS_PER_WARP; r++) {
                acc[r] = fmaf(Blk<T>::value(wr[r], c), xv, acc[r]);
            }
        }
    }
    matvec_store(acc, row0, bias, out, rows);
}
