// Flash-decoding attention over one layer's cache [kvHead][capacity][headDim] (f32 or f16), in two passes.
//
// jinn_attention, block (head h, chunk c, query row i) of ATT_WARPS warps: query row i at position p = *pos + i
// attends positions [c·chunk, min((c+1)·chunk, p+1)) of kv head h / (heads/kvHeads) (GQA: the heads of a group
// read the same cache rows, which L2 serves). Warp w takes every ATT_WARPS-th position; lane l holds dimensions
// 4l..4l+3 and 128+4l..128+4l+3 (so headDim ≤ MAX_HEAD_DIM, a multiple of 4), reads them with one 8-byte (f16) or
// 16-byte (f32) load, and the warp keeps an online softmax (running max m, Σexp, Σexp·v). The warps merge through
// shared memory into one record per block: Σ exp(s−m)·v [headDim], m, Σ exp(s−m).
//
// jinn_attention_reduce, block (head h, row i), thread d: rescales every non-empty chunk record to the global max
// and divides.
#pragma once

#include "common.cuh"

#define ATT_WARPS 4        // Launches.ATTENTION_BLOCK / 32
#define MAX_HEAD_DIM 256   // Launches.ATTENTION_MAX_HEAD_DIM
#define ATT_GROUPS (MAX_HEAD_DIM / 128)

// Four consecutive cache values at element index e (a multiple of 4).
JINN_DEVICE float4 cache4(const void* cache, size_t e, bool f16) {
    if (f16) {
        const uint2 u = __ldg((const uint2*) ((const __half*) cache + e));
        return make_float4(f16_bits(u.x), f16_bits(u.x >> 16), f16_bits(u.y), f16_bits(u.y >> 16));
    }
    return __ldg((const float4*) ((const float*) cache + e));
}

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) jinn_attention(const float* __restrict__ q,
        const void* __restrict__ kcache, const void* __restrict__ vcache, float* __restrict__ partial,
        const int* __restrict__ pos, int n, int heads, int kvHeads, int headDim, int capacity, int chunk, int f16,
        float scale) {
    const int h = blockIdx.x;
    const int c = blockIdx.y;
    const int i = blockIdx.z;
    const int nChunks = (capacity + chunk - 1) / chunk;
    if (h >= heads || c >= nChunks || i >= n || headDim > MAX_HEAD_DIM || (headDim & 3) != 0) {
        return;
    }
    const int p = *pos + i;
    const int from = c * chunk;
    const int to = min(min(from + chunk, p + 1), capacity);
    float* rec = partial + (((size_t) i * heads + h) * nChunks + c) * (headDim + 2);
    if (from >= to) {
        if (threadIdx.x == 0) {
            rec[headDim] = -INFINITY;
            rec[headDim + 1] = 0.0f;
        }
        return;
    }
    const int kvh = h / (heads / kvHeads);
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const bool half = f16 != 0;

    // this lane's dimensions of q
    const float* qh = q + ((size_t) i * heads + h) * headDim;
    float4 qv[ATT_GROUPS];
    bool has[ATT_GROUPS];
#pragma unroll
    for (int g = 0; g < ATT_GROUPS; g++) {
        const int d = 128 * g + 4 * lane;
        has[g] = d < headDim;
        qv[g] = has[g] ? ld_f4(qh + d) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }

    float m = -INFINITY;
    float l = 0.0f;
    float4 acc[ATT_GROUPS];
#pragma unroll
    for (int g = 0; g < ATT_GROUPS; g++) {
        acc[g] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
    const size_t head0 = (size_t) kvh * capacity;
    for (int t = from + warp; t < to; t += ATT_WARPS) {
        const size_t row = (head0 + t) * headDim;
        float s = 0.0f;
#pragma unroll
        for (int g = 0; g < ATT_GROUPS; g++) {
            if (has[g]) {
                const float4 k = cache4(kcache, row + 128 * g + 4 * lane, half);
                s = fmaf(qv[g].x, k.x, s);
                s = fmaf(qv[g].y, k.y, s);
                s = fmaf(qv[g].z, k.z, s);
                s = fmaf(qv[g].w, k.w, s);
            }
        }
        s = warp_sum(s) * scale;
        const float mn = fmaxf(m, s);
        const float corr = expf(m - mn); // 0 for the first position (m = -inf)
        const float e = expf(s - mn);
        l = fmaf(l, corr, e);
        m = mn;
#pragma unroll
        for (int g = 0; g < ATT_GROUPS; g++) {
            if (has[g]) {
                const float4 v = cache4(vcache, row + 128 * g + 4 * lane, half);
                acc[g].x = fmaf(acc[g].x, corr, e * v.x);
                acc[g].y = fmaf(acc[g].y, corr, e * v.y);
                acc[g].z = fmaf(acc[g].z, corr, e * v.z);
                acc[g].w = fmaf(acc[g].w, corr, e * v.w);
            }
        }
    }

    // merge the warps: each rescaled to the block's max (a warp without positions has m = -inf and adds 0)
    __shared__ float wm[ATT_WARPS];
    __shared__ float wl[ATT_WARPS];
    __shared__ float4 wacc[ATT_WARPS][MAX_HEAD_DIM / 4];
    if (lane == 0) {
        wm[warp] = m;
        wl[warp] = l;
    }
#pragma unroll
    for (int g = 0; g < ATT_GROUPS; g++) {
        if (has[g]) {
            wacc[warp][32 * g + lane] = acc[g];
        }
    }
    __syncthreads();
    float mx = wm[0];
#pragma unroll
    for (int w = 1; w < ATT_WARPS; w++) {
        mx = fmaxf(mx, wm[w]);
    }
    float f[ATT_WARPS];
#pragma unroll
    for (int w = 0; w < ATT_WARPS; w++) {
        f[w] = wm[w] == -INFINITY ? 0.0f : expf(wm[w] - mx);
    }
    const float* accf = (const float*) wacc;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float s = 0.0f;
#pragma unroll
        for (int w = 0; w < ATT_WARPS; w++) {
            if (f[w] != 0.0f) {
                s = fmaf(f[w], accf[w * MAX_HEAD_DIM + d], s);
            }
        }
        rec[d] = s;
    }
    if (threadIdx.x == 0) {
        float sum = 0.0f;
#pragma unroll
        for (int w = 0; w < ATT_WARPS; w++) {
            sum = fmaf(f[w], wl[w], sum);
        }
        rec[headDim] = mx;
        rec[headDim + 1] = sum;
    }
}

extern "C" __global__ void jinn_attention_reduce(const float* __restrict__ partial, float* __restrict__ out, int n,
        int heads, int headDim, int nChunks) {
    const int h = blockIdx.x;
    const int i = blockIdx.y;
    const int d = threadIdx.x;
    if (h >= heads || i >= n) {
        return;
    }
    const int rec = headDim + 2;
    const float* base = partial + ((size_t) i * heads + h) * nChunks * rec;
    float mx = -INFINITY;
    for (int c = 0; c < nChunks; c++) {
        mx = fmaxf(mx, base[(size_t) c * rec + headDim]);
    }
    float sum = 0.0f;
    float acc = 0.0f;
    for (int c = 0; c < nChunks; c++) {
        const float* r = base + (size_t) c * rec;
        const float mc = r[headDim];
        if (mc == -INFINITY) {
            continue; // empty chunk: its values were never written
        }
        const float f = expf(mc - mx);
        sum = fmaf(f, r[headDim + 1], sum);
        if (d < headDim) {
            acc = fmaf(f, r[d], acc);
        }
    }
    if (d < headDim) {
        out[((size_t) i * heads + h) * headDim + d] = sum > 0.0f ? acc / sum : 0.0f;
    }
}
