// The one translation unit of Jinn's CUDA kernels: build.sh compiles it into jinn-kernels.fatbin (flags in
// nvcc.flags). The ABI is runtime-gpu/KERNELS.md; every extern "C" __global__ function is a Kernel constant, with
// parameters PTR (any pointer), I32 (int) and F32 (float) in the same order.
#include "matvec.cuh"
#include "ops.cuh"
#include "attention.cuh"

// Mat-vecs: 128 threads per block (Launches.MATVEC_WARPS warps); blockIdx.x is the activation row. At least 8 blocks
// (32 warps) per SM, i.e. at most 64 registers: enough loads in flight per SM to cover HBM latency. Q5_K needs 80
// registers without spilling, so it settles for 6 blocks (24 warps). Q8_0 and Q4_0 take x quantized by
// jinn_quantize_q8_0 (xq), as ggml does for those weights.

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_f32(const uint8_t* __restrict__ w,
        const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_float<T_F32>(w, x, bias, out, rows, cols);
    }
}

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_f16(const uint8_t* __restrict__ w,
        const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_float<T_F16>(w, x, bias, out, rows, cols);
    }
}

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_bf16(const uint8_t* __restrict__ w,
        const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_float<T_BF16>(w, x, bias, out, rows, cols);
    }
}

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_q8_0(const uint8_t* __restrict__ w,
        const int8_t* __restrict__ xq, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_q8<T_Q8_0>(w, xq, bias, out, rows, cols, n);
    }
}

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_q4_0(const uint8_t* __restrict__ w,
        const int8_t* __restrict__ xq, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_q8<T_Q4_0>(w, xq, bias, out, rows, cols, n);
    }
}

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_q4_k(const uint8_t* __restrict__ w,
        const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_quant<T_Q4_K>(w, x, bias, out, rows, cols);
    }
}

extern "C" __global__ void __launch_bounds__(128, 6) jinn_matvec_q5_k(const uint8_t* __restrict__ w,
        const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_quant<T_Q5_K>(w, x, bias, out, rows, cols);
    }
}

extern "C" __global__ void __launch_bounds__(128, 8) jinn_matvec_q6_k(const uint8_t* __restrict__ w,
        const float* __restrict__ x, const float* __restrict__ bias, float* __restrict__ out, int rows, int cols,
        int n) {
    if ((int) blockIdx.x < n) {
        matvec_quant<T_Q6_K>(w, x, bias, out, rows, cols);
    }
}
