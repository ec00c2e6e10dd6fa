// jinn_matvec_<t>: out[i][r] = Σ_c w[r][c]·x[i][c] (+ bias[r]), the decode-time hot loop: it streams the whole
// weight matrix once per token, so it must run near HBM bandwidth.
//
// Geometry (Launches.matvec): blockDim (32, MATVEC_WARPS), grid (ceil(rows / (MATVEC_WARPS·ROWS_PER_WARP)), n).
// Warp y of block x owns rows (x·blockDim.y + y)·ROWS_PER_WARP + 0..ROWS_PER_WARP-1 for activation row
// blockIdx.y. Each slice of x a lane loads (L1/L2-resident: one row of x is at most a few tens of KiB) serves all
// of the warp's rows, which halves the L1 traffic of x against the weight bytes; partial sums stay in registers
// and meet in one warp-shuffle reduction per row.
#pragma once

#include "blocks.cuh"

#ifndef ROWS_PER_WARP
#define ROWS_PER_WARP 2 // Launches.MATVEC_ROWS_PER_WARP
#endif

template <int T>
JINN_DEVICE void matvec_store(float (&acc)[ROWS_PER_WARP], int row0, const float* __restrict__ bias,
        float* __restrict__ out, int rows) {
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        acc[r] = warp_sum(acc[r]);
    }
    if (threadIdx.x == 0) {
        float* o = out + (size_t) blockIdx.y * rows;
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
    const int row0 = (blockIdx.x * blockDim.y + threadIdx.y) * ROWS_PER_WARP;
    if (row0 >= rows) {
        return; // the whole warp leaves together
    }
    const int lane = threadIdx.x;
    const int nblocks = cols / B::VALUES;
    const size_t rowBytes = (size_t) nblocks * B::BYTES;
    const float* xi = x + (size_t) blockIdx.y * cols;
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
    matvec_store<T>(acc, row0, bias, out, rows);
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
    const int row0 = (blockIdx.x * blockDim.y + threadIdx.y) * ROWS_PER_WARP;
    if (row0 >= rows) {
        return;
    }
    const int lane = threadIdx.x;
    const size_t rowBytes = (size_t) cols * ESIZE;
    const float* xi = x + (size_t) blockIdx.y * cols;
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
    matvec_store<T>(acc, row0, bias, out, rows);
}
