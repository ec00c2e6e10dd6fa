// Runs Jinn's CUDA kernels (the real sources, through the cuda_fp16.h shim here) on CPU threads, for
// CudaEmulationTest: emu_launch(name, grid, block, args) executes a whole launch with one thread per CUDA thread.
#include "cuda_fp16.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jinn_kernels.cu"

thread_local EmuDim threadIdx, blockIdx;
EmuDim blockDim, gridDim;

namespace {
std::unique_ptr<std::barrier<>> block_barrier;
std::vector<std::unique_ptr<std::barrier<>>> warp_barriers;
float warp_slots[32][32];
double warp_slots_d[32][32];
}

void emu_fail(const char* what, const void* p) {
    std::fprintf(stderr, "cuda-emu: %s at %p in block (%u,%u,%u) thread (%u,%u,%u)\n", what, p, blockIdx.x,
            blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
    std::abort();
}

void __syncthreads() { block_barrier->arrive_and_wait(); }

namespace {
// __shfl_xor_sync: each lane of the calling thread's warp posts its value, then reads its partner's
template <typename T>
T shfl_xor(T (&slots)[32][32], T v, int o) {
    const unsigned t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    const unsigned warp = t / 32, lane = t % 32;
    slots[warp][lane] = v;
    warp_barriers[warp]->arrive_and_wait();
    const T r = slots[warp][lane ^ o];
    warp_barriers[warp]->arrive_and_wait();
    return r;
}
}

float emu_shfl_xor(float v, int o) { return shfl_xor(warp_slots, v, o); }

double emu_shfl_xor_d(double v, int o) { return shfl_xor(warp_slots_d, v, o); }

namespace {
// Kernel arguments from void** kernelParams: P converts only to pointers, I only to int, F only to float, so a
// registry entry whose kinds disagree with the kernel's declaration does not compile.
struct P {
    void* p;
    template <class T>
    operator T*() const { return (T*) p; }
};
struct I {
    int v;
    operator int() const { return v; }
    template <class T>
    operator T() const = delete;
};
struct F {
    float v;
    operator float() const { return v; }
    template <class T>
    operator T() const = delete;
};
P p(void** a, int i) { return P{*(void**) a[i]}; }
I i(void** a, int k) { return I{*(int*) a[k]}; }
F f(void** a, int k) { return F{*(float*) a[k]}; }

using Call = std::function<void(void**)>;
#define MV(name) {#name, [](void** a) { name(p(a, 0), p(a, 1), p(a, 2), p(a, 3), i(a, 4), i(a, 5), i(a, 6)); }}
#define DQ(name) {#name, [](void** a) { name(p(a, 0), p(a, 1), i(a, 2), i(a, 3), i(a, 4)); }}
const std::map<std::string, Call> KERNELS = {
    {"jinn_embed", [](void** a) { jinn_embed(p(a, 0), i(a, 1), p(a, 2), p(a, 3), i(a, 4), i(a, 5)); }},
    {"jinn_rmsnorm", [](void** a) { jinn_rmsnorm(p(a, 0), p(a, 1), p(a, 2), i(a, 3), i(a, 4), f(a, 5)); }},
    MV(jinn_matvec_f32), MV(jinn_matvec_f16), MV(jinn_matvec_bf16), MV(jinn_matvec_q8_0), MV(jinn_matvec_q4_0),
    MV(jinn_matvec_q4_k), MV(jinn_matvec_q5_k), MV(jinn_matvec_q6_k),
    DQ(jinn_dequant_f16_f32), DQ(jinn_dequant_f16_f16), DQ(jinn_dequant_f16_bf16), DQ(jinn_dequant_f16_q8_0),
    DQ(jinn_dequant_f16_q4_0), DQ(jinn_dequant_f16_q4_k), DQ(jinn_dequant_f16_q5_k), DQ(jinn_dequant_f16_q6_k),
    {"jinn_f32_to_f16", [](void** a) { jinn_f32_to_f16(p(a, 0), p(a, 1), i(a, 2)); }},
    {"jinn_quantize_q8_0", [](void** a) { jinn_quantize_q8_0(p(a, 0), p(a, 1), i(a, 2)); }},
    {"jinn_add_bias", [](void** a) { jinn_add_bias(p(a, 0), p(a, 1), i(a, 2), i(a, 3)); }},
    {"jinn_rope", [](void** a) { jinn_rope(p(a, 0), p(a, 1), i(a, 2), i(a, 3), i(a, 4), f(a, 5), i(a, 6)); }},
    {"jinn_kv_store", [](void** a) {
         jinn_kv_store(p(a, 0), p(a, 1), p(a, 2), p(a, 3), p(a, 4), i(a, 5), i(a, 6), i(a, 7), i(a, 8), i(a, 9));
     }},
    {"jinn_attention", [](void** a) {
         jinn_attention(p(a, 0), p(a, 1), p(a, 2), p(a, 3), p(a, 4), i(a, 5), i(a, 6), i(a, 7), i(a, 8), i(a, 9),
                 i(a, 10), i(a, 11), f(a, 12));
     }},
    {"jinn_attention_f16", [](void** a) {
         jinn_attention_f16(p(a, 0), p(a, 1), p(a, 2), p(a, 3), p(a, 4), i(a, 5), i(a, 6), i(a, 7), i(a, 8), i(a, 9),
                 f(a, 10));
     }},
    {"jinn_attention_reduce", [](void** a) {
         jinn_attention_reduce(p(a, 0), p(a, 1), i(a, 2), i(a, 3), i(a, 4), i(a, 5));
     }},
    {"jinn_swiglu", [](void** a) { jinn_swiglu(p(a, 0), p(a, 1), p(a, 2), i(a, 3)); }},
    {"jinn_add", [](void** a) { jinn_add(p(a, 0), p(a, 1), i(a, 2)); }},
};
}

// Runs one launch; returns 0, or -1 for an unknown kernel name, -2 for a bad geometry.
extern "C" int emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, void** args) {
    auto k = KERNELS.find(name);
    if (k == KERNELS.end()) {
        return -1;
    }
    const int threads = bx * by * bz;
    if (threads < 1 || threads > 1024 || threads % 32 != 0 || gx < 1 || gy < 1 || gz < 1) {
        return -2; // the emulated warps need whole warps
    }
    blockDim = EmuDim{(unsigned) bx, (unsigned) by, (unsigned) bz};
    gridDim = EmuDim{(unsigned) gx, (unsigned) gy, (unsigned) gz};
    block_barrier = std::make_unique<std::barrier<>>(threads);
    warp_barriers.clear();
    for (int w = 0; w < threads / 32; w++) {
        warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
    }
    const long blocks = (long) gx * gy * gz;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        pool.emplace_back([&, t] {
            threadIdx = EmuDim{(unsigned) (t % bx), (unsigned) (t / bx % by), (unsigned) (t / (bx * by))};
            for (long b = 0; b < blocks; b++) {
                blockIdx = EmuDim{(unsigned) (b % gx), (unsigned) (b / gx % gy), (unsigned) (b / ((long) gx * gy))};
                k->second(args);
                // a thread that returned early from a block only meets the others here; a kernel that makes
                // threads skip a __syncthreads or shuffle the others reach deadlocks, which the test's timeout shows
                block_barrier->arrive_and_wait();
            }
        });
    }
    for (auto& t : pool) {
        t.join();
    }
    return 0;
}
