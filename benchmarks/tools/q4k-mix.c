/*
 * The instruction sequence of Jinn's Q4_K one-token kernel (VectorKernels.dotQ4K) written with AVX-512 intrinsics,
 * so that a C compiler schedules and allocates registers for it: how fast this mix of instructions can run on a
 * machine when the JIT is out of the picture. Development aid only: nothing in Jinn loads it, and it computes
 * nothing meaningful (random bytes, a made-up byte permutation; the timing of these instructions does not depend on
 * their operands).
 *
 *   gcc -O2 -march=icelake-server -o q4k-mix benchmarks/tools/q4k-mix.c   # any -march with AVX-512 VBMI
 *   ./q4k-mix 8960                                                          # columns per row (a multiple of 256)
 *
 * It prints GB/s of weights on one core and cycles per 144-byte super-block at the clock given as the second
 * argument in GHz (default 3.67, the Zen 4 machine of README's tables; measure yours with a dependent add chain).
 * Compare with `MatVecBenchmark` (type=Q4_K, threads=1) or `jinn bench` on hot data: the difference is what C2's
 * code for the same operations costs. Per super-block, as in dotQ4K: two byte permutes over the 128 quant bytes,
 * eight nibble vectors (shifts and masks), eight int16 multiplies summed in int16 lanes, pair sums widened in the
 * int32 lanes, two multiplies by the sub-block scales, one int-to-float conversion and FMA for the sums and one
 * 256-bit multiply, conversion and FMA for the mins; the 12 packed scale bytes unpacked in scalar code.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static float dot_q4k(const uint8_t *w, const int16_t *x, const float *d, const int32_t *bsum,
                                               int blocks, __m512i pair01, __m512i pair23, __m512i lo_scale,
                                               __m512i hi_scale) {
    __m512 acc = _mm512_setzero_ps();
    __m256 mins = _mm256_setzero_ps();
    const __m512i nibble = _mm512_set1_epi16(0xF);
    for (int b = 0; b < blocks; b++) {
        const uint8_t *block = w + 144L * b;
        const int16_t *xb = x + 256L * b;
        uint64_t h0 = *(const uint64_t *) block, h1 = *(const uint64_t *) (block + 8);
        uint32_t u0 = (uint32_t) (h0 >> 32), u1 = (uint32_t) h1, u2 = (uint32_t) (h1 >> 32);
        uint64_t sc = (u0 & 0x3F3F3F3FULL) | (uint64_t) ((u2 & 0x0F0F0F0F) | ((u0 >> 6) & 0x03030303) << 4) << 32;
        uint64_t mn = (u1 & 0x3F3F3F3FULL) | (uint64_t) (((u2 >> 4) & 0x0F0F0F0F) | ((u1 >> 6) & 0x03030303) << 4) << 32;
        __m512i q0 = _mm512_loadu_si512(block + 16), q1 = _mm512_loadu_si512(block + 80);
        __m512i s01 = _mm512_permutex2var_epi8(q0, pair01, q1);
        __m512i los = _mm512_add_epi16(
                _mm512_mullo_epi16(_mm512_and_si512(s01, nibble), _mm512_loadu_si512(xb)),
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi16(s01, 8), nibble), _mm512_loadu_si512(xb + 64)));
        __m512i his = _mm512_add_epi16(
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi16(s01, 4), nibble), _mm512_loadu_si512(xb + 32)),
                _mm512_mullo_epi16(_mm512_srli_epi16(s01, 12), _mm512_loadu_si512(xb + 96)));
        __m512i s23 = _mm512_permutex2var_epi8(q0, pair23, q1);
        los = _mm512_add_epi16(los, _mm512_add_epi16(
                _mm512_mullo_epi16(_mm512_and_si512(s23, nibble), _mm512_loadu_si512(xb + 128)),
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi16(s23, 8), nibble), _mm512_loadu_si512(xb + 192))));
        his = _mm512_add_epi16(his, _mm512_add_epi16(
                _mm512_mullo_epi16(_mm512_and_si512(_mm512_srli_epi16(s23, 4), nibble), _mm512_loadu_si512(xb + 160)),
                _mm512_mullo_epi16(_mm512_srli_epi16(s23, 12), _mm512_loadu_si512(xb + 224))));
        __m512i scales = _mm512_cvtepu8_epi32(_mm_set1_epi64x((long long) sc));
        __m512i li = _mm512_srai_epi32(_mm512_add_epi32(los, _mm512_slli_epi32(los, 16)), 16);
        __m512i hi = _mm512_srai_epi32(_mm512_add_epi32(his, _mm512_slli_epi32(his, 16)), 16);
        __m512i isum = _mm512_add_epi32(_mm512_mullo_epi32(li, _mm512_permutexvar_epi32(lo_scale, scales)),
                                        _mm512_mullo_epi32(hi, _mm512_permutexvar_epi32(hi_scale, scales)));
        float da = d[b];
        __m256i mp = _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_set1_epi64x((long long) mn)),
                                        _mm256_loadu_si256((const __m256i *) (bsum + 8L * b)));
        mins = _mm256_fmadd_ps(_mm256_set1_ps(-da * _cvtsh_ss((unsigned short) (h0 >> 16))), _mm256_cvtepi32_ps(mp),
                               mins);
        acc = _mm512_fmadd_ps(_mm512_set1_ps(da * _cvtsh_ss((unsigned short) h0)), _mm512_cvtepi32_ps(isum), acc);
    }
    __m256 h = _mm256_add_ps(_mm256_add_ps(_mm512_castps512_ps256(acc), _mm512_extractf32x8_ps(acc, 1)), mins);
    float l[8];
    _mm256_storeu_ps(l, h);
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

int main(int argc, char **argv) {
    int cols = argc > 1 ? atoi(argv[1]) : 8960;
    double ghz = argc > 2 ? atof(argv[2]) : 3.67;
    if (cols < 256 || cols % 256 != 0 || ghz <= 0) {
        fprintf(stderr, "usage: %s COLUMNS [GHZ]: COLUMNS a positive multiple of 256, GHZ above 0\n", argv[0]);
        return 1;
    }
    int blocks = cols / 256;
    int rows = 1000000 / (144 * blocks) + 1; /* about 1 MB of rows: the core's L2, as the JMH benchmark's hot data */
    uint8_t *w = aligned_alloc(64, (144L * blocks * rows + 63) / 64 * 64);
    int16_t *x = aligned_alloc(64, (2L * cols + 63) / 64 * 64);
    float *d = malloc(sizeof(float) * blocks);
    int32_t *bsum = malloc(sizeof(int32_t) * 8 * blocks);
    float *out = malloc(sizeof(float) * rows);
    if (!w || !x || !d || !bsum || !out) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    srand(1);
    for (long i = 0; i < 144L * blocks * rows; i++) {
        w[i] = (uint8_t) rand();
    }
    for (int i = 0; i < cols; i++) {
        x[i] = (int16_t) (rand() % 255 - 127);
    }
    for (int i = 0; i < blocks; i++) {
        d[i] = 0.01f;
        for (int j = 0; j < 8; j++) {
            bsum[8 * i + j] = rand() % 4000 - 2000;
        }
    }
    uint8_t p01[64], p23[64];
    int32_t lo[16], hi[16];
    for (int i = 0; i < 64; i++) {
        p01[i] = (uint8_t) ((7 * i) & 127);
        p23[i] = (uint8_t) ((11 * i + 3) & 127);
    }
    for (int k = 0; k < 16; k++) {
        lo[k] = 2 * (k % 4);
        hi[k] = 2 * (k % 4) + 1;
    }
    __m512i pair01 = _mm512_loadu_si512(p01), pair23 = _mm512_loadu_si512(p23);
    __m512i lo_scale = _mm512_loadu_si512(lo), hi_scale = _mm512_loadu_si512(hi);
    float sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t = seconds(), elapsed;
        long done = 0;
        do {
            for (int r = 0; r < rows; r++) {
                out[r] = dot_q4k(w + 144L * blocks * r, x, d, bsum, blocks, pair01, pair23, lo_scale, hi_scale);
            }
            done += (long) rows * blocks;
            elapsed = seconds() - t;
        } while (elapsed < 1);
        sink += out[rep % rows];
        printf("Q4_K %d columns: %.2f GB/s, %.1f cycles per super-block\n", cols, done * 144.0 / elapsed / 1e9,
               elapsed * ghz * 1e9 / done);
    }
    return sink == 12345.0f; /* keeps the results live */
}
