// Times Jinn's decode kernels on a real GPU: each mat-vec type on the shapes of a 14B Qwen2.5 layer (hidden 5120,
// ffn 13824, 8 kv heads of 128, vocab 152064) as effective weight bandwidth, attention at a few context lengths, and
// a per-token estimate for a Q4_K_M 14B decode step from the measured times. Geometry as Launches computes it.
// Not part of the build (no GPU in CI). On a machine with one:
//   nvcc -O3 -gencode arch=compute_90,code=sm_90 -I../../main/cuda -o /tmp/kernel_bench kernel_bench.cu
//   /tmp/kernel_bench
#include "jinn_kernels.cu"

#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(call)                                                                                             \
    do {                                                                                                        \
        cudaError_t e = (call);                                                                                 \
        if (e != cudaSuccess) {                                                                                 \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e));           \
            std::exit(1);                                                                                       \
        }                                                                                                       \
    } while (0)

using FloatMatvec = void (*)(const uint8_t*, const float*, const float*, float*, int, int, int);
using Q8Matvec = void (*)(const uint8_t*, const int8_t*, const float*, float*, int, int, int);

// Q8_0 and Q4_0 take Q8_0 activations (jinn_quantize_q8_0 runs first; its time is included).
struct Type {
    const char* name;
    int values, bytes;
    FloatMatvec kernel;
    Q8Matvec q8kernel;
};

static const Type TYPES[] = {
    {"q4_k", 256, 144, jinn_matvec_q4_k, nullptr}, {"q5_k", 256, 176, jinn_matvec_q5_k, nullptr},
    {"q6_k", 256, 210, jinn_matvec_q6_k, nullptr}, {"q8_0", 32, 34, nullptr, jinn_matvec_q8_0},
    {"q4_0", 32, 18, nullptr, jinn_matvec_q4_0},   {"f16", 1, 2, jinn_matvec_f16, nullptr},
    {"bf16", 1, 2, jinn_matvec_bf16, nullptr},     {"f32", 1, 4, jinn_matvec_f32, nullptr},
};

// Random bytes, f16 scale fields included: the kernels' speed does not depend on the values.
static void* random_device(size_t bytes) {
    std::vector<unsigned char> h(bytes);
    unsigned s = 12345;
    for (auto& b : h) {
        s = s * 1103515245u + 12345u;
        b = (unsigned char) (s >> 16);
    }
    void* d;
    CHECK(cudaMalloc(&d, bytes));
    CHECK(cudaMemcpy(d, h.data(), bytes, cudaMemcpyHostToDevice));
    return d;
}

// Mean microseconds of one launch of f over `iters` launches after a warm-up.
template <class F>
static float time_us(F f, int iters = 50) {
    for (int i = 0; i < 3; i++) f();
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    CHECK(cudaEventRecord(a));
    for (int i = 0; i < iters; i++) f();
    CHECK(cudaEventRecord(b));
    CHECK(cudaEventSynchronize(b));
    float ms;
    CHECK(cudaEventElapsedTime(&ms, a, b));
    CHECK(cudaGetLastError());
    return ms * 1000.0f / iters;
}

static float matvec_us(const Type& t, int rows, int cols, int n = 1) {
    const size_t bytes = (size_t) rows * (cols / t.values) * t.bytes;
    void* w = random_device(bytes);
    float* x = (float*) random_device((size_t) n * cols * 4);
    CHECK(cudaMemset(x, 0, (size_t) n * cols * 4)); // finite activations
    float* out;
    CHECK(cudaMalloc(&out, (size_t) n * rows * 4));
    dim3 grid(n, (rows + 7) / 8), block(32, 4);
    int8_t* xq;
    CHECK(cudaMalloc(&xq, (size_t) n * cols + (size_t) n * cols / 8));
    const int count = n * cols;
    float us = time_us([&] {
        if (t.q8kernel != nullptr) {
            jinn_quantize_q8_0<<<(count + 255) / 256, 256>>>(x, xq, count);
            t.q8kernel<<<grid, block>>>((const uint8_t*) w, xq, nullptr, out, rows, cols, n);
        } else {
            t.kernel<<<grid, block>>>((const uint8_t*) w, x, nullptr, out, rows, cols, n);
        }
    });
    CHECK(cudaFree(xq));
    CHECK(cudaFree(w));
    CHECK(cudaFree(x));
    CHECK(cudaFree(out));
    return us;
}

// As the backend runs it: an f16 cache through jinn_attention_f16 (ggml's roundings, positions walked in order), an
// f32 cache through the chunked jinn_attention + jinn_attention_reduce.
static float attention_us(int pos, int capacity, bool f16) {
    const int heads = 40, kvHeads = 8, headDim = 128, n = 1;
    int chunk = ((capacity + 63) / 64 + 31) / 32 * 32;
    chunk = chunk < 256 ? 256 : chunk;
    const int nChunks = (capacity + chunk - 1) / chunk;
    const size_t cache = (size_t) kvHeads * capacity * headDim * (f16 ? 2 : 4);
    void* k = random_device(cache);
    void* v = random_device(cache);
    CHECK(cudaMemset(k, 0, cache));
    CHECK(cudaMemset(v, 0, cache));
    float *q, *partial, *out;
    int* dpos;
    CHECK(cudaMalloc(&q, heads * headDim * 4));
    CHECK(cudaMemset(q, 0, heads * headDim * 4));
    CHECK(cudaMalloc(&partial, (size_t) heads * nChunks * (headDim + 2) * 4));
    CHECK(cudaMalloc(&out, heads * headDim * 4));
    CHECK(cudaMalloc(&dpos, 4));
    CHECK(cudaMemcpy(dpos, &pos, 4, cudaMemcpyHostToDevice));
    float us = time_us([&] {
        if (f16) {
            jinn_attention_f16<<<dim3(heads, n), 256>>>(q, (const __half*) k, (const __half*) v, out, dpos, n, heads,
                    kvHeads, headDim, capacity, 0.088f);
        } else {
            jinn_attention<<<dim3(heads, nChunks, n), 256>>>(q, k, v, partial, dpos, n, heads, kvHeads, headDim,
                    capacity, chunk, 0, 0.088f);
            jinn_attention_reduce<<<dim3(heads, n), headDim>>>(partial, out, n, heads, headDim, nChunks);
        }
    });
    CHECK(cudaFree(k));
    CHECK(cudaFree(v));
    CHECK(cudaFree(q));
    CHECK(cudaFree(partial));
    CHECK(cudaFree(out));
    CHECK(cudaFree(dpos));
    return us;
}

int main() {
    cudaDeviceProp p;
    CHECK(cudaGetDeviceProperties(&p, 0));
    std::printf("%s, %d SMs\n", p.name, p.multiProcessorCount);
    const int shapes[][2] = {{5120, 5120}, {1024, 5120}, {13824, 5120}, {5120, 13824}, {152064, 5120}};
    std::printf("%-6s %-14s %10s %10s\n", "type", "rows x cols", "us", "GB/s");
    for (const Type& t : TYPES) {
        for (auto& s : shapes) {
            const float us = matvec_us(t, s[0], s[1]);
            const double gb = (double) s[0] * (s[1] / t.values) * t.bytes / 1e9;
            std::printf("%-6s %6d x %-6d %10.1f %10.0f\n", t.name, s[0], s[1], us, gb / (us * 1e-6));
        }
    }
    for (int n : {2, 8, 32}) {
        std::printf("q4_k 5120 x 5120, n = %2d: %8.1f us\n", n, matvec_us(TYPES[0], 5120, 5120, n));
    }
    for (int pos : {127, 1023, 4095, 16383}) {
        for (bool f16 : {true, false}) {
            std::printf("attention %s, 40 heads / 8 kv, pos %5d of 32768: %8.1f us\n", f16 ? "f16" : "f32", pos,
                    attention_us(pos, 32768, f16));
        }
    }
    // Q4_K_M 14B (48 layers): q, o, gate, up Q4_K; k Q4_K; v and half of ffn_down Q6_K, the other half Q4_K;
    // output Q6_K. Elementwise kernels and attention at a short context are a few us per layer more.
    const float q4 = matvec_us(TYPES[0], 5120, 5120), kv4 = matvec_us(TYPES[0], 1024, 5120),
                kv6 = matvec_us(TYPES[2], 1024, 5120), ffn4 = matvec_us(TYPES[0], 13824, 5120),
                down4 = matvec_us(TYPES[0], 5120, 13824), down6 = matvec_us(TYPES[2], 5120, 13824),
                head = matvec_us(TYPES[2], 152064, 5120), att = attention_us(511, 4096, true);
    const float layer = 2 * q4 + kv4 + kv6 + 2 * ffn4 + 0.5f * (down4 + down6) + att;
    const float token = 48 * layer + head;
    std::printf("14B Q4_K_M decode, mat-vecs + attention at pos 511: %.0f us per token, %.0f tok/s upper bound\n",
            token, 1e6 / token);
    return 0;
}
