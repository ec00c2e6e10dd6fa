// Attention over one layer's cache [kvHead][capacity][headDim]: flash-decoding in two passes (jinn_attention and
// jinn_attention_reduce; the backend runs them for F32 caches), and jinn_attention_f16 below for F16 caches.
//
// jinn_attention, block (head h, chunk c, query row i) of exactly ATT_WARPS warps: query row i at position
// p = *pos + i attends positions [c·chunk, min((c+1)·chunk, p+1)) of kv head h / (heads/kvHeads) (GQA: the heads
// of a group read the same cache rows, which L2 serves). Warp w takes every ATT_WARPS-th position, two at a time;
// lane l holds dimensions 4l..4l+3 and 128+4l..128+4l+3 (so headDim ≤ MAX_HEAD_DIM, a multiple of 4), reads them
// with one 8-byte (f16) or 16-byte (f32) load, and the warp keeps an online softmax (running max m, Σexp, Σexp·v).
// The warps merge through shared memory into one record per block: Σ exp(s−m)·v [headDim], m, Σ exp(s−m).
//
// jinn_attention_reduce, block (head h, row i), thread d: rescales every non-empty chunk record to the global max
// and divides.
#pragma once

#include "common.cuh"

#define ATT_WARPS 8        // Launches.ATTENTION_THREADS / 32 (KernelBinaryTest compares them)
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
    if (h >= heads || c >= nChunks || i >= n || headDim > MAX_HEAD_DIM || (headDim & 3) != 0
            || blockDim.x != ATT_WARPS * 32) { // geometries the twins refuse in CI; never index past wm and wacc
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
    // two positions per step (t and t + ATT_WARPS): their loads and shuffles overlap, halving the chain of
    // dependent latencies (load, reduce, exp) a warp walks through the chunk
    for (int t = from + warp; t < to; t += 2 * ATT_WARPS) {
        const bool two = t + ATT_WARPS < to; // uniform over the warp
        const size_t row1 = (head0 + t) * headDim;
        const size_t row2 = two ? row1 + (size_t) ATT_WARPS * headDim : row1;
        float s1 = 0.0f, s2 = 0.0f;
#pragma unroll
        for (int g = 0; g < ATT_GROUPS; g++) {
            if (has[g]) {
                const float4 k1 = cache4(kcache, row1 + 128 * g + 4 * lane, half);
                const float4 k2 = cache4(kcache, row2 + 128 * g + 4 * lane, half);
                s1 = fmaf(qv[g].x, k1.x, fmaf(qv[g].y, k1.y, fmaf(qv[g].z, k1.z, fmaf(qv[g].w, k1.w, s1))));
                s2 = fmaf(qv[g].x, k2.x, fmaf(qv[g].y, k2.y, fmaf(qv[g].z, k2.z, fmaf(qv[g].w, k2.w, s2))));
            }
        }
        warp_sum2(s1, s2);
        s1 *= scale;
        s2 = two ? s2 * scale : -INFINITY;
        const float mn = fmaxf(m, fmaxf(s1, s2));
        const float corr = expf(m - mn); // 0 for the first position (m = -inf)
        const float e1 = expf(s1 - mn);
        const float e2 = expf(s2 - mn); // 0 without a second position
        l = fmaf(l, corr, e1 + e2);
        m = mn;
#pragma unroll
        for (int g = 0; g < ATT_GROUPS; g++) {
            if (has[g]) {
                const float4 v1 = cache4(vcache, row1 + 128 * g + 4 * lane, half);
                const float4 v2 = cache4(vcache, row2 + 128 * g + 4 * lane, half);
                acc[g].x = fmaf(acc[g].x, corr, fmaf(e1, v1.x, e2 * v2.x));
                acc[g].y = fmaf(acc[g].y, corr, fmaf(e1, v1.y, e2 * v2.y));
                acc[g].z = fmaf(acc[g].z, corr, fmaf(e1, v1.z, e2 * v2.z));
                acc[g].w = fmaf(acc[g].w, corr, fmaf(e1, v1.w, e2 * v2.w));
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

// jinn_attention_f16: an F16 cache read as ggml's CPU flash attention reads it (ggml_compute_forward_flash_attn_ext
// with f16 K and V), which llama.cpp's logits, and so the golden bounds, are made with: q rounded to f16; scores
// in the order of ggml_vec_dot_f16 (AVX-512: four 16-lane fused accumulators over each 64 values, then a fixed
// pairwise reduction); an online softmax whose running Σ exp(s−m)·v is an f16 vector, rounded after every
// position (ggml_vec_scale_f16 on a new max, ggml_vec_mad_f16 for every position); out = that sum / Σ exp(s−m).
// The f16 rounding after every position is a sequential chain per dimension that no chunked (flash-decoding)
// split can reproduce, so one block walks all positions of its (head h, row i): per tile of ATT_TILE positions,
// (1) the scores, one position per half-warp; (2) the running max (thread 0), each position's two factors (all
// threads) and the sum's recurrence (thread 0); (3) thread d < headDim runs dimension d's f16 chain. headDim ≤ blockDim = ATT_WARPS·32.
#define ATT_TILE 1024

// f16 rounding of a float (as ggml stores its f16 accumulator), returned as a float.
JINN_DEVICE float f16_round(float v) {
    return __half2float(__float2half_rn(v));
}

// q·k over headDim values for the 16 lanes of a half-warp (hl = lane & 15): with headDim a multiple of 64 in
// ggml_vec_dot_f16's AVX-512 order, else one accumulator per lane over values hl, hl+16, ...; then the pairwise
// reduction (lanes l and l^8, l^4, l^2, l^1). Every lane of the warp must call it (shuffles); all get the sum.
JINN_DEVICE float dot_ggml_f16(const float* __restrict__ qs, const __half* __restrict__ k, int headDim, int hl,
        bool valid) {
    float v = 0.0f;
    if (valid) {
        if ((headDim & 63) == 0) {
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
            for (int e = hl; e < headDim; e += 64) {
                a0 = fmaf(__half2float(k[e]), qs[e], a0);
                a1 = fmaf(__half2float(k[e + 16]), qs[e + 16], a1);
                a2 = fmaf(__half2float(k[e + 32]), qs[e + 32], a2);
                a3 = fmaf(__half2float(k[e + 48]), qs[e + 48], a3);
            }
            v = __fadd_rn(__fadd_rn(a0, a2), __fadd_rn(a1, a3));
        } else {
            for (int e = hl; e < headDim; e += 16) {
                v = fmaf(__half2float(k[e]), qs[e], v);
            }
        }
    }
#pragma unroll
    for (int o = 8; o > 0; o >>= 1) {
        v = __fadd_rn(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

extern "C" __global__ void __launch_bounds__(ATT_WARPS * 32) jinn_attention_f16(const float* __restrict__ q,
        const __half* __restrict__ kcache, const __half* __restrict__ vcache, float* __restrict__ out,
        const int* __restrict__ pos, int n, int heads, int kvHeads, int headDim, int capacity, float scale) {
    const int h = blockIdx.x;
    const int i = blockIdx.y;
    if (h >= heads || i >= n || headDim > MAX_HEAD_DIM || blockDim.x != ATT_WARPS * 32) {
        return; // geometries the twin refuses in CI; never index past qs
    }
    __shared__ float qs[MAX_HEAD_DIM];
    __shared__ float sc[ATT_TILE];  // scores, then exp factors for the values (vs)
    __shared__ float ms[ATT_TILE];  // rescale factor of the accumulator at each position (1: no new max)
    __shared__ float total;         // Σ exp(s−m) after all positions
    const int d = threadIdx.x;
    const int warp = d >> 5;
    const int hl = d & 15;
    const float* qh = q + ((size_t) i * heads + h) * headDim;
    if (d < headDim) {
        qs[d] = f16_round(qh[d]);
    }
    const int len = min(*pos + i + 1, capacity);
    const int kvh = h / (heads / kvHeads);
    const size_t head0 = (size_t) kvh * capacity;
    float acc = 0.0f; // dimension d of the f16 accumulator
    float m = -INFINITY, s = 0.0f; // thread 0's running max and sum
    if (d == 0) {
        total = 0.0f;
    }
    __syncthreads();
    for (int t0 = 0; t0 < len; t0 += ATT_TILE) {
        const int tn = min(ATT_TILE, len - t0);
        // (1) half-warp 2·warp + (lane >> 4) takes positions t ≡ it (mod 2·ATT_WARPS); warp-uniform trip count
        for (int tw = 2 * warp; tw < tn; tw += 2 * ATT_WARPS) {
            const int t = tw + ((d >> 4) & 1);
            const bool valid = t < tn;
            const float dot = dot_ggml_f16(qs, kcache + (head0 + t0 + (valid ? t : 0)) * headDim, headDim, hl, valid);
            if (valid && hl == 0) {
                sc[t] = __fmul_rn(dot, scale);
            }
        }
        __syncthreads();
        // (2) the running max before each position (thread 0, in order), then each position's factors in parallel:
        // on a new max the sum is rescaled by exp(m_before − s) and v taken with 1, else v is taken with
        // exp(s − m); then thread 0 runs the sum's recurrence S = S·ms + vs (rounded as ggml rounds it)
        if (d == 0) {
            for (int t = 0; t < tn; t++) {
                ms[t] = m;
                m = fmaxf(m, sc[t]);
            }
        }
        __syncthreads();
        for (int t = d; t < tn; t += blockDim.x) {
            const float st = sc[t], before = ms[t];
            const bool newMax = st > before;
            ms[t] = newMax ? expf(before - st) : 1.0f; // 0 for the first position
            sc[t] = newMax ? 1.0f : expf(st - before);
        }
        __syncthreads();
        if (d == 0) {
            for (int t = 0; t < tn; t++) {
                s = __fadd_rn(__fmul_rn(s, ms[t]), sc[t]);
            }
            total = s;
        }
        // (3) dimension d's f16 chain
        if (d < headDim) {
            const __half* v = vcache + (head0 + t0) * headDim + d;
#pragma unroll 8
            for (int t = 0; t < tn; t++) {
                const float mst = ms[t];
                if (mst != 1.0f) {
                    acc = f16_round(acc * mst);
                }
                acc = f16_round(fmaf(__half2float(v[(size_t) t * headDim]), sc[t], acc));
            }
        }
        __syncthreads(); // sc and ms are rewritten by the next tile
    }
    if (d < headDim) {
        const float inv = total == 0.0f ? 0.0f : 1.0f / total;
        out[((size_t) i * heads + h) * headDim + d] = acc * inv;
    }
}
