// Row and elementwise kernels: embedding, RMS norm, f16 dequantization for cuBLAS prefill, Q8_0 activations, bias,
// RoPE, the KV store, SwiGLU and the residual add. Geometry in Launches; the kernels never read or write past n rows even if
// the grid is larger.
#pragma once

#include "blocks.cuh"

// Decodes `cols` values of one row with the block's threads.
template <int T>
JINN_DEVICE void decode_row(const uint8_t* row, float* out, int cols) {
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        out[c] = Blk<T>::value(row, c);
    }
}

template <int T>
JINN_DEVICE size_t row_bytes(int cols) {
    return (size_t) (cols / Blk<T>::VALUES) * Blk<T>::BYTES;
}

template <int T>
JINN_DEVICE void embed_row(const uint8_t* table, int token, float* out, int cols) {
    decode_row<T>(table + (size_t) token * row_bytes<T>(cols), out, cols);
}

// Block i decodes table row tokens[i]. An unknown type or a negative token leaves the row unwritten (the host
// checks both before launching; the kernel only refuses to read outside the table's start).
extern "C" __global__ void jinn_embed(const uint8_t* table, int type, const int* tokens, float* out, int n,
        int cols) {
    const int i = blockIdx.x;
    if (i >= n) {
        return;
    }
    const int t = tokens[i];
    if (t < 0) {
        return;
    }
    float* o = out + (size_t) i * cols;
    switch (type) {
        case T_F32: embed_row<T_F32>(table, t, o, cols); break;
        case T_F16: embed_row<T_F16>(table, t, o, cols); break;
        case T_BF16: embed_row<T_BF16>(table, t, o, cols); break;
        case T_Q8_0: embed_row<T_Q8_0>(table, t, o, cols); break;
        case T_Q4_0: embed_row<T_Q4_0>(table, t, o, cols); break;
        case T_Q4_K: embed_row<T_Q4_K>(table, t, o, cols); break;
        case T_Q5_K: embed_row<T_Q5_K>(table, t, o, cols); break;
        case T_Q6_K: embed_row<T_Q6_K>(table, t, o, cols); break;
        default: break;
    }
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
JINN_DEVICE float block_sum(float v) {
    __shared__ float part[32];
    v = warp_sum(v);
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    if (lane == 0) {
        part[warp] = v;
    }
    __syncthreads();
    const int warps = blockDim.x >> 5;
    float t = lane < warps ? part[lane] : 0.0f;
    t = warp_sum(t);
    __syncthreads(); // part may be reused by a later call
    return t;
}

// Sum of doubles over the block, as block_sum.
JINN_DEVICE double block_sum_d(double v) {
    __shared__ double partd[32];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    if (lane == 0) {
        partd[warp] = v;
    }
    __syncthreads();
    const int warps = blockDim.x >> 5;
    double t = lane < warps ? partd[lane] : 0.0;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        t += __shfl_xor_sync(0xffffffffu, t, o);
    }
    __syncthreads();
    return t;
}

// Block i: out[i] = x[i] / sqrt(mean(x[i]²) + eps) * w, as (x·scale)·w, in ggml's arithmetic: the float squares
// summed in double, mean rounded to float, scale = 1/sqrt(mean + eps) in double rounded once (an ulp of the scale
// moves every value of the row, and the next layer may round them to int8). out may equal x: every value is read
// in the first pass and written only after the block-wide sum.
extern "C" __global__ void jinn_rmsnorm(const float* x, const float* w, float* out, int n, int cols, float eps) {
    const int i = blockIdx.x;
    if (i >= n) {
        return;
    }
    const float* xi = x + (size_t) i * cols;
    double s = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        s += (double) __fmul_rn(xi[c], xi[c]);
    }
    s = block_sum_d(s);
    const float mean = (float) (s / (double) cols);
    const float scale = (float) (1.0 / sqrt((double) __fadd_rn(mean, eps)));
    float* o = out + (size_t) i * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        o[c] = __fmul_rn(__fmul_rn(xi[c], scale), w[c]);
    }
}

// Block r: row row0 + r of w to f16 (saturating) at out[r·cols ..]. Q8_0 values q·d are exact in float and
// rounded once; f16 keeps 11 significant bits where bf16 kept 8, which Q8_0 weights need.
template <int T>
JINN_DEVICE void dequant_f16(const uint8_t* __restrict__ w, unsigned short* __restrict__ out, int row0, int nrows,
        int cols) {
    const int r = blockIdx.x;
    if (r >= nrows) {
        return;
    }
    const uint8_t* row = w + (size_t) (row0 + r) * row_bytes<T>(cols);
    unsigned short* o = out + (size_t) r * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        o[c] = to_f16_sat(Blk<T>::value(row, c));
    }
}

extern "C" __global__ void jinn_dequant_f16_f32(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_F32>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_f16(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_F16>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_bf16(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_BF16>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_q8_0(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_Q8_0>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_q4_0(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_Q4_0>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_q4_k(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_Q4_K>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_q5_k(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_Q5_K>(w, out, row0, nrows, cols);
}

extern "C" __global__ void jinn_dequant_f16_q6_k(const uint8_t* __restrict__ w, unsigned short* __restrict__ out,
        int row0, int nrows, int cols) {
    dequant_f16<T_Q6_K>(w, out, row0, nrows, cols);
}

JINN_DEVICE int global_index() {
    return blockIdx.x * blockDim.x + threadIdx.x;
}

extern "C" __global__ void jinn_f32_to_f16(const float* __restrict__ x, unsigned short* __restrict__ out,
        int count) {
    const int i = global_index();
    if (i < count) {
        out[i] = to_f16_sat(x[i]);
    }
}

// Activations for the Q8_0 and Q4_0 mat-vecs, as ggml quantizes them for those weights: thread i takes value i,
// each warp one 32-value block (count is a multiple of 32 and blocks are whole warps, so a warp is all in or all
// out). Layout: count int8 values at xq, then count/32 float scales at xq + count.
extern "C" __global__ void jinn_quantize_q8_0(const float* __restrict__ x, int8_t* __restrict__ xq, int count) {
    const int i = global_index();
    if (i >= count) {
        return; // the whole warp
    }
    float d;
    const int q = quantize_q8_0_lane(x[i], d);
    xq[i] = (int8_t) q;
    if ((threadIdx.x & 31) == 0) {
        ((float*) (xq + count))[i >> 5] = d;
    }
}

extern "C" __global__ void jinn_add_bias(float* __restrict__ out, const float* __restrict__ bias, int n, int cols) {
    const int i = global_index();
    if (i < n * cols) {
        out[i] += bias[i % cols];
    }
}

// Block (head h, row i), thread j < headDim/2 rotates pair j of that head by the angle ggml's rope cache gives it:
// (*pos + i) as a float times thetaScale (= theta^(-2/headDim), from the host) j times, one rounding each; the
// rotation without fused multiply-adds, as ggml's CPU computes it.
extern "C" __global__ void jinn_rope(float* x, const int* pos, int n, int heads, int headDim, float thetaScale,
        int neox) {
    const int h = blockIdx.x;
    const int i = blockIdx.y;
    const int j = threadIdx.x;
    const int half = headDim / 2;
    if (h >= heads || i >= n || j >= half) {
        return;
    }
    float angle = (float) (*pos + i);
    for (int k = 0; k < j; k++) {
        angle = __fmul_rn(angle, thetaScale);
    }
    float sn, cs;
    sincosf(angle, &sn, &cs);
    float* base = x + ((size_t) i * heads + h) * headDim;
    const int i0 = neox ? j : 2 * j;
    const int i1 = neox ? j + half : 2 * j + 1;
    const float x0 = base[i0];
    const float x1 = base[i1];
    base[i0] = __fsub_rn(__fmul_rn(x0, cs), __fmul_rn(x1, sn));
    base[i1] = __fadd_rn(__fmul_rn(x0, sn), __fmul_rn(x1, cs));
}

// Block (kv head h, row i), thread d: k and v of row i at position *pos + i of the cache [kvHeads][capacity][headDim],
// as f16 (round to nearest even) when f16 != 0. Positions outside the cache are not written.
extern "C" __global__ void jinn_kv_store(const float* __restrict__ k, const float* __restrict__ v, void* kcache,
        void* vcache, const int* pos, int n, int kvHeads, int headDim, int capacity, int f16) {
    const int h = blockIdx.x;
    const int i = blockIdx.y;
    const int d = threadIdx.x;
    const int p = *pos + i;
    if (h >= kvHeads || i >= n || d >= headDim || p < 0 || p >= capacity) {
        return;
    }
    const size_t src = ((size_t) i * kvHeads + h) * headDim + d;
    const size_t dst = ((size_t) h * capacity + p) * headDim + d;
    if (f16) {
        ((__half*) kcache)[dst] = __float2half_rn(k[src]);
        ((__half*) vcache)[dst] = __float2half_rn(v[src]);
    } else {
        ((float*) kcache)[dst] = k[src];
        ((float*) vcache)[dst] = v[src];
    }
}

// out = gate·sigmoid(gate)·up; out may equal gate.
extern "C" __global__ void jinn_swiglu(const float* gate, const float* __restrict__ up, float* out, int count) {
    const int i = global_index();
    if (i < count) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

extern "C" __global__ void jinn_add(float* __restrict__ x, const float* __restrict__ y, int count) {
    const int i = global_index();
    if (i < count) {
        x[i] += y[i];
    }
}
