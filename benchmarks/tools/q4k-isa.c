/*
 * How much of the gap between Jinn's and llama.cpp's Q4_K decode is the instruction set: the same Q4_K x Q8_K dot
 * product written twice with AVX-512/AVX2 intrinsics, once with the instructions C2 emits for Jinn's one-token kernel
 * (VectorKernels.dotsQ4K: byte permutes, int16 multiplies, shifts and masks, pair sums widened in int32 lanes) and
 * once with the byte multiply-adds the Vector API cannot express (vpmaddubsw, then vpmaddwd with the sub-block
 * scales: the formulation of ggml's AVX2 Q4_K dot on weights as the file stores them). A third kernel reads weights
 * repacked at load for C2's instructions (152 bytes a super-block instead of 144: the quant bytes already permuted,
 * scales and mins unpacked to bytes, d and dmin as floats): what a repacked layout without row interleaving would
 * save. All are checked against a scalar sum in double precision. Development aid only: nothing in Jinn loads it.
 *
 *   gcc -O2 -march=native -fopenmp -o q4k-isa benchmarks/tools/q4k-isa.c
 *   ./q4k-isa [GHz]            # default 3.67, the Zen 4 machine of README's tables
 *
 * It prints cycles per super-block (wall cycles per super-block when two threads share the work) for rows
 * of 1536 columns: hot (300 rows, in L2), cold on one thread (200,000 rows, 165 MB) and cold on two threads, then the
 * throughput of a 512-bit int16 shift by an immediate and by a count in a vector register, each mixed with vpmullw.
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COLS 1536
#define BLOCKS (COLS / 256)
#define ROW_BYTES (144 * BLOCKS)

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- the activations, prepared once per token as each kernel wants them ---- */
static int8_t q8[COLS];            /* int8 values, one scale per 256 */
static float dq8[BLOCKS];
static int16_t q16p[COLS];         /* vector-api kernel: int16, permuted so each lane meets its sub-block */
static int32_t bsum32[COLS / 32];  /* sums of 32 values (the mins) */
static int16_t bsum16[COLS / 16];  /* sums of 16 values (the madd kernel's mins) */

/* vector-api kernel constants: see VectorKernels (Q4K_PAIR01/23, Q4K_ACT, Q4K_HEAD_*) */
static uint8_t pair01[64], pair23[64], head_index[64];
static int32_t head_shift[16], head_low[16], head_high[16], lo_scale[16], hi_scale[16];
static int act_index[256];

static void init_layouts(void) {
    uint8_t perm[128];
    for (int m = 0; m < 2; m++)
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < 32; i++) {
                int c = (i / 2) % 4, o = 8 * (2 * m + p) + 2 * (i / 8) + i % 2;
                perm[64 * m + 32 * p + i] = (uint8_t) (32 * c + o);
                for (int h = 0; h < 2; h++) act_index[32 * (2 * (2 * m + p) + h) + i] = 32 * (2 * c + h) + o;
            }
    for (int i = 0; i < 32; i++) {
        pair01[2 * i] = perm[i];
        pair01[2 * i + 1] = perm[32 + i];
        pair23[2 * i] = perm[64 + i];
        pair23[2 * i + 1] = perm[96 + i];
    }
    for (int k = 0; k < 16; k++) {
        int j = k % 8, min = k < 8;
        head_index[4 * k] = (uint8_t) (j < 4 && !min ? 4 + j : 8 + j);
        head_index[4 * k + 1] = (uint8_t) (j < 4 ? 0 : min ? 4 + j : j);
        head_index[4 * k + 2] = head_index[4 * k + 3] = 0;
        head_shift[k] = min && j >= 4 ? 4 : 0;
        head_low[k] = j < 4 ? 0x3F : 0x0F;
        head_high[k] = j < 4 ? 0 : 0x30;
        lo_scale[k] = 8 + 2 * (k % 4);
        hi_scale[k] = 8 + 2 * (k % 4) + 1;
    }
}

static void prepare(void) {
    for (int i = 0; i < COLS; i++) q8[i] = (int8_t) (rand() % 255 - 127);
    for (int b = 0; b < BLOCKS; b++) dq8[b] = 0.01f + (rand() % 100) * 1e-4f;
    for (int i = 0; i < COLS; i++) q16p[i] = q8[256 * (i / 256) + act_index[i % 256]];
    for (int j = 0; j < COLS / 32; j++) {
        int s = 0;
        for (int i = 0; i < 32; i++) s += q8[32 * j + i];
        bsum32[j] = s;
    }
    for (int j = 0; j < COLS / 16; j++) {
        int s = 0;
        for (int i = 0; i < 16; i++) s += q8[16 * j + i];
        bsum16[j] = (int16_t) s;
    }
}

static void scale_min(int j, const uint8_t *q, int *sc, int *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

static double reference(const uint8_t *row) {
    double s = 0;
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *blk = row + 144 * b;
        float d = _cvtsh_ss(*(const uint16_t *) blk), dmin = _cvtsh_ss(*(const uint16_t *) (blk + 2));
        for (int j = 0; j < 8; j++) {
            int sc, m;
            scale_min(j, blk + 4, &sc, &m);
            long dot = 0, sum = 0;
            for (int i = 0; i < 32; i++) {
                uint8_t byte = blk[16 + 32 * (j / 2) + i];
                int v = 256 * b + 32 * j + i;
                dot += (j & 1 ? byte >> 4 : byte & 15) * q8[v];
                sum += q8[v];
            }
            s += dq8[b] * ((double) d * sc * dot - (double) dmin * m * sum);
        }
    }
    return s;
}

/* ---- the instructions of Jinn's kernel ---- */
/* One super-block from its permuted quant bytes (s01, s23), its scales and mins in int lanes (sm: mins 0-7, scales
   8-15) and d, dmin: eight int16 products per lane pair, pair sums widened, scaled, and the mins' term. */
static inline __attribute__((always_inline)) void q4k_block(__m512i s01, __m512i s23, __m512i sm, float d, float dmin,
                                                            int b, __m512 *acc, __m256 *mins) {
    const __m512i los_ = _mm512_loadu_si512(lo_scale), his_ = _mm512_loadu_si512(hi_scale);
    const __m512i nib = _mm512_set1_epi32(0x000F000F);
    const int16_t *x = q16p + 256 * b;
    __m512i lo = _mm512_setzero_si512(), hi = lo;
    for (int k = 0; k < 2; k++) {
        __m512i s = k ? s23 : s01;
        const int16_t *xk = x + 128 * k;
        lo = _mm512_add_epi16(lo, _mm512_add_epi16(
                _mm512_mullo_epi16(_mm512_and_si512(s, nib), _mm512_loadu_si512(xk)),
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi32(s, 8), nib), _mm512_loadu_si512(xk + 64))));
        hi = _mm512_add_epi16(hi, _mm512_add_epi16(
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi32(s, 4), nib), _mm512_loadu_si512(xk + 32)),
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi32(s, 12), nib), _mm512_loadu_si512(xk + 96))));
    }
    __m512i li = _mm512_srai_epi32(_mm512_add_epi32(lo, _mm512_slli_epi32(lo, 16)), 16);
    __m512i hh = _mm512_srai_epi32(_mm512_add_epi32(hi, _mm512_slli_epi32(hi, 16)), 16);
    __m512i isum = _mm512_add_epi32(_mm512_mullo_epi32(li, _mm512_permutexvar_epi32(los_, sm)),
                                    _mm512_mullo_epi32(hh, _mm512_permutexvar_epi32(his_, sm)));
    __m256i mp = _mm256_mullo_epi32(_mm512_castsi512_si256(sm), _mm256_loadu_si256((const __m256i *) (bsum32 + 8 * b)));
    *mins = _mm256_fmadd_ps(_mm256_set1_ps(-dq8[b] * dmin), _mm256_cvtepi32_ps(mp), *mins);
    *acc = _mm512_fmadd_ps(_mm512_set1_ps(dq8[b] * d), _mm512_cvtepi32_ps(isum), *acc);
}

/* the sixteen sums folded to eight with the mins' eight, then added in halving order */
static inline __attribute__((always_inline)) float q4k_fold(__m512 acc, __m256 mins) {
    __m256 h = _mm256_add_ps(_mm256_add_ps(_mm512_castps512_ps256(acc), _mm512_extractf32x8_ps(acc, 1)), mins);
    float t[8];
    _mm256_storeu_ps(t, h);
    return (t[0] + t[4] + t[2] + t[6]) + (t[1] + t[5] + t[3] + t[7]);
}

static float dot_vector_api(const uint8_t *row) {
    __m512 acc = _mm512_setzero_ps();
    __m256 mins = _mm256_setzero_ps();
    const __m512i hidx = _mm512_loadu_si512(head_index), hsh = _mm512_loadu_si512(head_shift);
    const __m512i hlo = _mm512_loadu_si512(head_low), hhi = _mm512_loadu_si512(head_high);
    const __m512i p01 = _mm512_loadu_si512(pair01), p23 = _mm512_loadu_si512(pair23);
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *blk = row + 144 * b;
        __m512i hv = _mm512_permutexvar_epi8(hidx, _mm512_loadu_si512(blk));
        __m512i sm = _mm512_or_si512(_mm512_and_si512(_mm512_srlv_epi32(hv, hsh), hlo),
                                     _mm512_and_si512(_mm512_srli_epi32(hv, 10), hhi));
        uint32_t dd = *(const uint32_t *) blk;
        __m512i q0 = _mm512_loadu_si512(blk + 16), q1 = _mm512_loadu_si512(blk + 80);
        q4k_block(_mm512_permutex2var_epi8(q0, p01, q1), _mm512_permutex2var_epi8(q0, p23, q1), sm,
                  _cvtsh_ss(dd & 0xFFFF), _cvtsh_ss(dd >> 16), b, &acc, &mins);
    }
    return q4k_fold(acc, mins);
}

/* ---- byte multiply-adds (vpmaddubsw, vpmaddwd), weights as stored ---- */
static float dot_madd(const uint8_t *row) {
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *blk = row + 144 * b;
        const int8_t *x = q8 + 256 * b;
        float d = dq8[b] * _cvtsh_ss(*(const uint16_t *) blk);
        float dmin = -dq8[b] * _cvtsh_ss(*(const uint16_t *) (blk + 2));
        /* the twelve packed bytes as three words: six-bit scales (bytes 0-3) and mins (4-7) of sub-blocks 0-3,
           then sub-blocks 4-7 from the low and high nibbles of bytes 8-11 and the top two bits of bytes 0-7 */
        uint32_t u[3];
        memcpy(u, blk + 4, 12);
        uint32_t sc_lo = u[0] & 0x3F3F3F3F, mn_lo = u[1] & 0x3F3F3F3F;
        uint32_t sc_hi = (u[2] & 0x0F0F0F0F) | (((u[0] >> 6) & 0x03030303) << 4);
        uint32_t mn_hi = ((u[2] >> 4) & 0x0F0F0F0F) | (((u[1] >> 6) & 0x03030303) << 4);
        __m128i scales = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int) sc_hi, (int) sc_lo));
        __m128i mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int) mn_hi, (int) mn_lo));
        __m256i s16 = _mm256_loadu_si256((const __m256i *) (bsum16 + 16 * b));
        __m128i s32 = _mm_hadd_epi16(_mm256_castsi256_si128(s16), _mm256_extracti128_si256(s16, 1));
        accm = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(_mm_madd_epi16(mins, s32)), accm);
        __m256i sc2 = _mm256_set_m128i(scales, scales);
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            __m256i sl = _mm256_shuffle_epi8(sc2, _mm256_set1_epi16((short) (0x0100 + 0x0202 * (2 * j))));
            __m256i sh = _mm256_shuffle_epi8(sc2, _mm256_set1_epi16((short) (0x0100 + 0x0202 * (2 * j + 1))));
            __m256i q4 = _mm256_loadu_si256((const __m256i *) (blk + 16 + 32 * j));
            __m256i ql = _mm256_and_si256(q4, m4), qh = _mm256_and_si256(_mm256_srli_epi16(q4, 4), m4);
            __m256i xl = _mm256_loadu_si256((const __m256i *) (x + 64 * j));
            __m256i xh = _mm256_loadu_si256((const __m256i *) (x + 64 * j + 32));
            __m256i pl = _mm256_madd_epi16(sl, _mm256_maddubs_epi16(ql, xl));
            __m256i ph = _mm256_madd_epi16(sh, _mm256_maddubs_epi16(qh, xh));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(pl, ph));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    __m128 s = _mm_add_ps(_mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1)), accm);
    s = _mm_hadd_ps(s, s);
    s = _mm_hadd_ps(s, s);
    return _mm_cvtss_f32(s);
}

/* ---- C2's instructions on a repacked super-block: s01 and s23 (128 bytes), sm's 16 lanes as bytes, d, dmin ---- */
#define RP_BYTES 152

static void repack(const uint8_t *w, uint8_t *out, long blocks) {
    const __m512i hidx = _mm512_loadu_si512(head_index), hsh = _mm512_loadu_si512(head_shift);
    const __m512i hlo = _mm512_loadu_si512(head_low), hhi = _mm512_loadu_si512(head_high);
    const __m512i p01 = _mm512_loadu_si512(pair01), p23 = _mm512_loadu_si512(pair23);
    for (long b = 0; b < blocks; b++) {
        const uint8_t *blk = w + 144 * b;
        uint8_t *o = out + RP_BYTES * b;
        __m512i q0 = _mm512_loadu_si512(blk + 16), q1 = _mm512_loadu_si512(blk + 80);
        _mm512_storeu_si512(o, _mm512_permutex2var_epi8(q0, p01, q1));
        _mm512_storeu_si512(o + 64, _mm512_permutex2var_epi8(q0, p23, q1));
        __m512i hv = _mm512_permutexvar_epi8(hidx, _mm512_loadu_si512(blk));
        __m512i sm = _mm512_or_si512(_mm512_and_si512(_mm512_srlv_epi32(hv, hsh), hlo),
                                     _mm512_and_si512(_mm512_srli_epi32(hv, 10), hhi));
        _mm_storeu_si128((__m128i *) (o + 128), _mm512_cvtepi32_epi8(sm));
        float d = _cvtsh_ss(*(const uint16_t *) blk), dmin = _cvtsh_ss(*(const uint16_t *) (blk + 2));
        memcpy(o + 144, &d, 4);
        memcpy(o + 148, &dmin, 4);
    }
}

static float dot_repacked(const uint8_t *row) {
    __m512 acc = _mm512_setzero_ps();
    __m256 mins = _mm256_setzero_ps();
    for (int b = 0; b < BLOCKS; b++) {
        const uint8_t *blk = row + RP_BYTES * b;
        float d, dmin;
        memcpy(&d, blk + 144, 4);
        memcpy(&dmin, blk + 148, 4);
        q4k_block(_mm512_loadu_si512(blk), _mm512_loadu_si512(blk + 64),
                  _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (blk + 128))), d, dmin, b, &acc, &mins);
    }
    return q4k_fold(acc, mins);
}

typedef float (*kernel)(const uint8_t *);

static uint8_t *random_rows(long rows) {
    uint8_t *w = aligned_alloc(64, (size_t) rows * ROW_BYTES + 64);
    for (size_t i = 0; i < (size_t) rows * ROW_BYTES; i++) w[i] = (uint8_t) rand();
    for (long b = 0; b < rows * BLOCKS; b++) {
        uint16_t d = _cvtss_sh(0.001f + (rand() % 1000) * 1e-5f, 0), m = _cvtss_sh(0.001f + (rand() % 1000) * 1e-5f, 0);
        memcpy(w + 144 * b, &d, 2);
        memcpy(w + 144 * b + 2, &m, 2);
    }
    return w;
}

static double cycles_per_block(kernel k, const uint8_t *w, long stride, long rows, int reps, int threads, double ghz,
                               float *out) {
    k(w); /* warm */
    double t0 = seconds();
    for (int r = 0; r < reps; r++) {
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long i = 0; i < rows; i++) out[i] = k(w + i * stride);
    }
    return (seconds() - t0) * ghz * 1e9 / ((double) reps * rows * BLOCKS);
}

/* three shifts (by an immediate or by a count in xmm31) and three vpmullw on six independent registers */
#define SHIFT_MIX(count)                                                                                            \
    "vpsrlw " count ", %%zmm0, %%zmm0\n\tvpmullw %%zmm1, %%zmm1, %%zmm1\n\t"                                      \
    "vpsrlw " count ", %%zmm2, %%zmm2\n\tvpmullw %%zmm3, %%zmm3, %%zmm3\n\t"                                      \
    "vpsrlw " count ", %%zmm4, %%zmm4\n\tvpmullw %%zmm5, %%zmm5, %%zmm5"

static double shift_mix(int by_register, long n, double ghz) {
    double t0 = seconds();
    if (by_register)
        for (long i = 0; i < n; i++) __asm__ volatile(SHIFT_MIX("%%xmm31") ::: "memory");
    else
        for (long i = 0; i < n; i++) __asm__ volatile(SHIFT_MIX("$4") ::: "memory");
    return (seconds() - t0) * ghz * 1e9 / (6.0 * n);
}

int main(int argc, char **argv) {
    double ghz = argc > 1 ? atof(argv[1]) : 3.67;
    srand(1);
    init_layouts();
    prepare();
    const char *names[] = {"vector-api instructions", "vpmaddubsw + vpmaddwd", "vector-api, repacked"};
    kernel kernels[] = {dot_vector_api, dot_madd, dot_repacked};
    long hot = 300, cold = 200000;
    uint8_t *wh = random_rows(hot), *wc = random_rows(cold);
    uint8_t *rh = aligned_alloc(64, (size_t) hot * BLOCKS * RP_BYTES);
    uint8_t *rc = aligned_alloc(64, (size_t) cold * BLOCKS * RP_BYTES);
    repack(wh, rh, hot * BLOCKS);
    repack(wc, rc, cold * BLOCKS);
    float *out = malloc(sizeof(float) * cold);
    for (int k = 0; k < 3; k++) {
        const uint8_t *h = k == 2 ? rh : wh, *c = k == 2 ? rc : wc;
        long stride = k == 2 ? (long) BLOCKS * RP_BYTES : ROW_BYTES;
        double worst = 0;
        for (long i = 0; i < hot; i++) {
            double ref = reference(wh + i * ROW_BYTES), got = kernels[k](h + i * stride);
            worst = fmax(worst, fabs(got - ref) / (1e-3 + fabs(ref)));
        }
        printf("%-24s hot %5.1f  cold %5.1f  cold, 2 threads %5.1f cycles/super-block  (largest relative error %.1e)\n",
               names[k], cycles_per_block(kernels[k], h, stride, hot, 2000, 1, ghz, out),
               cycles_per_block(kernels[k], c, stride, cold, 3, 1, ghz, out),
               cycles_per_block(kernels[k], c, stride, cold, 5, 2, ghz, out), worst);
    }
    printf("vpsrlw zmm by immediate, between vpmullw: %.2f cycles an instruction\n", shift_mix(0, 20000000, ghz));
    printf("vpsrlw zmm by xmm count, between vpmullw: %.2f cycles an instruction\n", shift_mix(1, 20000000, ghz));
    return 0;
}
