// Linear layers for a few input rows (one decoder step), reading each weight once from packed
// blocks of 16 outputs. See CTandemKernels.h.
#include "CTandemKernels.h"
#include "cpu_isa.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TANDEM_X86 1
#endif

// MARK: - fp16 ↔ fp32, bit-exact

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f;
    uint32_t mantissa = h & 0x3ff;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000 | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        // Subnormal: shift the leading one into the implicit position.
        int shift = 0;
        while (!(mantissa & 0x400)) { mantissa <<= 1; shift++; }
        bits = sign | ((uint32_t)(113 - shift) << 23) | ((mantissa & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// The fp16 bits of `f` when f is exactly representable in fp16 (finite), else -1.
static int32_t float_to_half_exact(float f) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    uint32_t sign = (bits >> 16) & 0x8000;
    uint32_t magnitude = bits & 0x7fffffff;
    if (magnitude == 0) return (int32_t)sign;
    int exponent = (int)(magnitude >> 23) - 127;
    uint32_t mantissa = magnitude & 0x7fffff;
    if (exponent > 15 || exponent < -24 || (magnitude >> 23) == 0 || (magnitude >> 23) == 0xff) return -1;
    uint32_t h;
    if (exponent >= -14) {
        if (mantissa & 0x1fff) return -1;
        h = ((uint32_t)(exponent + 15) << 10) | (mantissa >> 13);
    } else {
        uint32_t full = 0x800000 | mantissa;
        int shift = -exponent - 1;  // value = full · 2^(exponent − 23) = (full >> shift) · 2^−24
        if (full & ((1u << shift) - 1)) return -1;
        h = full >> shift;
    }
    h |= sign;
    if (half_to_float((uint16_t)h) != f) return -1;
    return (int32_t)h;
}

#if TANDEM_X86

// F16C converts exactly in both directions (round to nearest even towards fp16), so a value is
// exactly representable when its round trip gives it back; infinities and NaNs are refused as in
// `float_to_half_exact`. 16 lanes gathered from 16 rows, converted together.
__attribute__((target("avx2,f16c"))) static int pack_linear_f16_f16c(const float *weight, long out, long in, uint16_t *packed) {
    long blocks = (out + tandem_linear_block - 1) / tandem_linear_block;
    const __m256 magnitudeMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 infinity = _mm256_castsi256_ps(_mm256_set1_epi32(0x7f800000));
    float lanes[tandem_linear_block];
    for (long b = 0; b < blocks; b++) {
        long o0 = b * tandem_linear_block;
        long valid = out - o0 < tandem_linear_block ? out - o0 : tandem_linear_block;
        for (long i = 0; i < in; i++) {
            for (long lane = 0; lane < tandem_linear_block; lane++) lanes[lane] = lane < valid ? weight[(o0 + lane) * in + i] : 0;
            uint16_t *target = packed + (b * in + i) * tandem_linear_block;
            for (int half = 0; half < 2; half++) {
                __m256 v = _mm256_loadu_ps(lanes + 8 * half);
                __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                __m256 back = _mm256_cvtph_ps(h);
                __m256 finite = _mm256_cmp_ps(_mm256_and_ps(v, magnitudeMask), infinity, _CMP_LT_OQ);
                __m256 same = _mm256_cmp_ps(back, v, _CMP_EQ_OQ);
                if (_mm256_movemask_ps(_mm256_and_ps(finite, same)) != 0xff) return 0;
                _mm_storeu_si128((__m128i *)(target + 8 * half), h);
            }
        }
    }
    return 1;
}

__attribute__((target("avx2,f16c"))) static void half_to_float_f16c(const unsigned char *source, long count, float *destination) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(destination + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(source + 2 * i))));
    for (; i < count; i++) {
        uint16_t h;
        memcpy(&h, source + 2 * i, 2);
        destination[i] = half_to_float(h);
    }
}
#endif

void tandem_half_to_float(const void *source, long count, float *destination) {
    const unsigned char *bytes = source;
#if TANDEM_X86
    if (tandem_cpu_isa() != isa_portable) { half_to_float_f16c(bytes, count, destination); return; }
#endif
    for (long i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, bytes + 2 * i, 2);
        destination[i] = half_to_float(h);
    }
}

int tandem_pack_linear_f16(const float *weight, long out, long in, uint16_t *packed) {
#if TANDEM_X86
    if (tandem_cpu_isa() != isa_portable) return pack_linear_f16_f16c(weight, out, in, packed);
#endif
    long blocks = (out + tandem_linear_block - 1) / tandem_linear_block;
    for (long b = 0; b < blocks; b++) {
        for (long i = 0; i < in; i++) {
            uint16_t *target = packed + (b * in + i) * tandem_linear_block;
            for (long lane = 0; lane < tandem_linear_block; lane++) {
                long o = b * tandem_linear_block + lane;
                if (o >= out) { target[lane] = 0; continue; }
                int32_t h = float_to_half_exact(weight[o * in + i]);
                if (h < 0) return 0;
                target[lane] = (uint16_t)h;
            }
        }
    }
    return 1;
}

void tandem_pack_linear_f32(const float *weight, long out, long in, float *packed) {
    long blocks = (out + tandem_linear_block - 1) / tandem_linear_block;
    for (long b = 0; b < blocks; b++) {
        for (long i = 0; i < in; i++) {
            float *target = packed + (b * in + i) * tandem_linear_block;
            for (long lane = 0; lane < tandem_linear_block; lane++) {
                long o = b * tandem_linear_block + lane;
                target[lane] = o < out ? weight[o * in + i] : 0;
            }
        }
    }
}

// MARK: - Portable kernel

#define PORTABLE_KERNEL(NAME, TYPE, LOAD)                                                              \
    static void NAME(const float *x, long rows, long in, const TYPE *packed, long out, long b0,       \
                     long b1, const float *bias, float *y) {                                          \
        float acc[tandem_linear_block];                                                               \
        for (long b = b0; b < b1; b++) {                                                              \
            const TYPE *block = packed + b * in * tandem_linear_block;                                \
            long o0 = b * tandem_linear_block;                                                        \
            long valid = out - o0 < tandem_linear_block ? out - o0 : tandem_linear_block;             \
            for (long r = 0; r < rows; r++) {                                                         \
                const float *xr = x + r * in;                                                         \
                for (long lane = 0; lane < tandem_linear_block; lane++) acc[lane] = 0;                \
                for (long i = 0; i < in; i++) {                                                       \
                    const TYPE *w = block + i * tandem_linear_block;                                  \
                    for (long lane = 0; lane < tandem_linear_block; lane++) acc[lane] += LOAD(w[lane]) * xr[i]; \
                }                                                                                     \
                for (long lane = 0; lane < valid; lane++)                                             \
                    y[r * out + o0 + lane] = acc[lane] + (bias ? bias[o0 + lane] : 0);                \
            }                                                                                         \
        }                                                                                             \
    }
#define LOAD_HALF(v) half_to_float(v)
#define LOAD_SINGLE(v) (v)
PORTABLE_KERNEL(linear_f16_portable, uint16_t, LOAD_HALF)
PORTABLE_KERNEL(linear_f32_portable, float, LOAD_SINGLE)

#if TANDEM_X86

// MARK: - AVX-512

// One block of 16 outputs for N (≤ 8) rows: N accumulators, one weight vector per input feature.
#define AVX512_ROWS(N, LOADW)                                                                         \
    do {                                                                                              \
        __m512 acc[N];                                                                                \
        for (int k = 0; k < N; k++) acc[k] = _mm512_setzero_ps();                                     \
        for (long i = 0; i < in; i++) {                                                               \
            __m512 w = LOADW(block + i * tandem_linear_block);                                        \
            for (int k = 0; k < N; k++) acc[k] = _mm512_fmadd_ps(w, _mm512_set1_ps(xr[k * in + i]), acc[k]); \
        }                                                                                             \
        for (int k = 0; k < N; k++)                                                                   \
            _mm512_mask_storeu_ps(y + (r + k) * out + o0, mask, _mm512_add_ps(acc[k], biasVector));   \
    } while (0)

#define AVX512_KERNEL(NAME, TYPE, LOADW)                                                              \
    __attribute__((target("avx512f,fma,f16c"))) static void NAME(                                     \
        const float *x, long rows, long in, const TYPE *packed, long out, long b0, long b1,           \
        const float *bias, float *y) {                                                                \
        for (long b = b0; b < b1; b++) {                                                              \
            const TYPE *block = packed + b * in * tandem_linear_block;                                \
            long o0 = b * tandem_linear_block;                                                        \
            long valid = out - o0 < tandem_linear_block ? out - o0 : tandem_linear_block;             \
            __mmask16 mask = (__mmask16)((1u << valid) - 1);                                          \
            __m512 biasVector = bias ? _mm512_maskz_loadu_ps(mask, bias + o0) : _mm512_setzero_ps(); \
            long r = 0;                                                                               \
            while (r < rows) {                                                                        \
                const float *xr = x + r * in;                                                         \
                switch (rows - r) {                                                                   \
                case 1: AVX512_ROWS(1, LOADW); r += 1; break;                                         \
                case 2: AVX512_ROWS(2, LOADW); r += 2; break;                                         \
                case 3: AVX512_ROWS(3, LOADW); r += 3; break;                                         \
                case 4: AVX512_ROWS(4, LOADW); r += 4; break;                                         \
                case 5: AVX512_ROWS(5, LOADW); r += 5; break;                                         \
                case 6: AVX512_ROWS(6, LOADW); r += 6; break;                                         \
                case 7: AVX512_ROWS(7, LOADW); r += 7; break;                                         \
                default: AVX512_ROWS(8, LOADW); r += 8; break;                                        \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
    }
#define LOADW_HALF512(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define LOADW_SINGLE512(p) _mm512_loadu_ps(p)
AVX512_KERNEL(linear_f16_avx512, uint16_t, LOADW_HALF512)
AVX512_KERNEL(linear_f32_avx512, float, LOADW_SINGLE512)

// MARK: - AVX2

// 16 outputs as two 8-lane halves, for N (≤ 4) rows.
#define AVX2_ROWS(N, LOADW)                                                                           \
    do {                                                                                              \
        __m256 lo[N], hi[N];                                                                          \
        for (int k = 0; k < N; k++) { lo[k] = _mm256_setzero_ps(); hi[k] = _mm256_setzero_ps(); }    \
        for (long i = 0; i < in; i++) {                                                               \
            __m256 wl, wh;                                                                            \
            LOADW(block + i * tandem_linear_block, wl, wh);                                           \
            for (int k = 0; k < N; k++) {                                                             \
                __m256 xv = _mm256_broadcast_ss(xr + k * in + i);                                     \
                lo[k] = _mm256_fmadd_ps(wl, xv, lo[k]);                                               \
                hi[k] = _mm256_fmadd_ps(wh, xv, hi[k]);                                               \
            }                                                                                         \
        }                                                                                             \
        for (int k = 0; k < N; k++) {                                                                 \
            float lanes[16];                                                                          \
            _mm256_storeu_ps(lanes, lo[k]);                                                           \
            _mm256_storeu_ps(lanes + 8, hi[k]);                                                       \
            for (long lane = 0; lane < valid; lane++)                                                 \
                y[(r + k) * out + o0 + lane] = lanes[lane] + (bias ? bias[o0 + lane] : 0);            \
        }                                                                                             \
    } while (0)

#define AVX2_KERNEL(NAME, TYPE, LOADW)                                                                \
    __attribute__((target("avx2,fma,f16c"))) static void NAME(                                        \
        const float *x, long rows, long in, const TYPE *packed, long out, long b0, long b1,           \
        const float *bias, float *y) {                                                                \
        for (long b = b0; b < b1; b++) {                                                              \
            const TYPE *block = packed + b * in * tandem_linear_block;                                \
            long o0 = b * tandem_linear_block;                                                        \
            long valid = out - o0 < tandem_linear_block ? out - o0 : tandem_linear_block;             \
            long r = 0;                                                                               \
            while (r < rows) {                                                                        \
                const float *xr = x + r * in;                                                         \
                switch (rows - r) {                                                                   \
                case 1: AVX2_ROWS(1, LOADW); r += 1; break;                                           \
                case 2: AVX2_ROWS(2, LOADW); r += 2; break;                                           \
                case 3: AVX2_ROWS(3, LOADW); r += 3; break;                                           \
                default: AVX2_ROWS(4, LOADW); r += 4; break;                                          \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
    }
#define LOADW_HALF256(p, wl, wh)                                                                      \
    do {                                                                                              \
        __m256i halves = _mm256_loadu_si256((const __m256i *)(p));                                    \
        wl = _mm256_cvtph_ps(_mm256_castsi256_si128(halves));                                         \
        wh = _mm256_cvtph_ps(_mm256_extracti128_si256(halves, 1));                                    \
    } while (0)
#define LOADW_SINGLE256(p, wl, wh)                                                                    \
    do { wl = _mm256_loadu_ps(p); wh = _mm256_loadu_ps((p) + 8); } while (0)
AVX2_KERNEL(linear_f16_avx2, uint16_t, LOADW_HALF256)
AVX2_KERNEL(linear_f32_avx2, float, LOADW_SINGLE256)

#endif

void tandem_linear_f16(const float *x, long rows, long in, const uint16_t *packed, long out,
                       long blockBegin, long blockEnd, const float *bias, float *y) {
#if TANDEM_X86
    switch (tandem_cpu_isa()) {
    case isa_avx512: linear_f16_avx512(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); return;
    case isa_avx2: linear_f16_avx2(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); return;
    default: break;
    }
#endif
    linear_f16_portable(x, rows, in, packed, out, blockBegin, blockEnd, bias, y);
}

void tandem_linear_f32(const float *x, long rows, long in, const float *packed, long out,
                       long blockBegin, long blockEnd, const float *bias, float *y) {
#if TANDEM_X86
    switch (tandem_cpu_isa()) {
    case isa_avx512: linear_f32_avx512(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); return;
    case isa_avx2: linear_f32_avx2(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); return;
    default: break;
    }
#endif
    linear_f32_portable(x, rows, in, packed, out, blockBegin, blockEnd, bias, y);
}

int tandem_linear_f16_isa(int isa, const float *x, long rows, long in, const uint16_t *packed, long out,
                          long blockBegin, long blockEnd, const float *bias, float *y) {
    if (isa > tandem_cpu_isa() || isa < 0) return 0;
    switch (isa) {
#if TANDEM_X86
    case isa_avx512: linear_f16_avx512(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); break;
    case isa_avx2: linear_f16_avx2(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); break;
#endif
    default: linear_f16_portable(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); break;
    }
    return 1;
}

int tandem_linear_f32_isa(int isa, const float *x, long rows, long in, const float *packed, long out,
                          long blockBegin, long blockEnd, const float *bias, float *y) {
    if (isa > tandem_cpu_isa() || isa < 0) return 0;
    switch (isa) {
#if TANDEM_X86
    case isa_avx512: linear_f32_avx512(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); break;
    case isa_avx2: linear_f32_avx2(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); break;
#endif
    default: linear_f32_portable(x, rows, in, packed, out, blockBegin, blockEnd, bias, y); break;
    }
    return 1;
}

const char *tandem_kernels_isa(void) {
    switch (tandem_cpu_isa()) {
    case isa_avx512: return "avx512";
    case isa_avx2: return "avx2";
    default: return "portable";
    }
}
