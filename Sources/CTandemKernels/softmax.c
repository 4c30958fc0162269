// Softmax and log-sum-exp over rows, with a vectorised exp. See CTandemKernels.h.
#include "CTandemKernels.h"
#include "cpu_isa.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TANDEM_X86 1
#endif

// eˣ: x clamped to [−87.33, 88.7]; n = round(x·log₂e) by the 1.5·2²³ shift (the integer lands in the
// low mantissa bits, which also build 2ⁿ); r = x − n·ln2 in two parts (Cody–Waite); e^r by its
// degree-6 Taylor polynomial on |r| ≤ ln2/2. Written once as scalar C for the portable path; the
// vector paths repeat the same steps lane-wise, so every path gives the same values.
static inline float exp_poly(float value) {
    float x = value < -87.33f ? -87.33f : (value > 88.7f ? 88.7f : value);
    float shifted = x * 1.44269504f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = (x - n * 0.693359375f) - n * -2.1219444e-4f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    uint32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = (bits + (uint32_t)(127 - 0x4B400000)) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

static void softmax_row_portable(float *row, long live) {
    float maximum = -INFINITY;
    for (long i = 0; i < live; i++) maximum = row[i] > maximum ? row[i] : maximum;
    if (maximum == -INFINITY) maximum = 0;
    float sum = 0;
    for (long i = 0; i < live; i++) {
        float e = row[i] == -INFINITY ? 0 : exp_poly(row[i] - maximum);
        row[i] = e;
        sum += e;
    }
    float inverse = 1 / sum;
    for (long i = 0; i < live; i++) row[i] *= inverse;
}

static float log_sum_exp_portable(const float *x, long count) {
    float maximum = -INFINITY;
    for (long i = 0; i < count; i++) maximum = x[i] > maximum ? x[i] : maximum;
    if (maximum == -INFINITY) return -INFINITY;
    float sum = 0;
    for (long i = 0; i < count; i++) sum += x[i] == -INFINITY ? 0 : exp_poly(x[i] - maximum);
    return maximum + logf(sum);
}

#if TANDEM_X86
__attribute__((target("avx512f,fma"))) static inline __m512 exp_poly512(__m512 value) {
    __m512 x = _mm512_min_ps(_mm512_max_ps(value, _mm512_set1_ps(-87.33f)), _mm512_set1_ps(88.7f));
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _mm512_set1_ps(12582912.0f));
    __m512 n = _mm512_sub_ps(shifted, _mm512_set1_ps(12582912.0f));
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
                             _mm512_mul_ps(n, _mm512_set1_ps(-2.1219444e-4f)));
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 120));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 24));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 6));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(0.5f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(127 - 0x4B400000)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

__attribute__((target("avx512f,fma"))) static void softmax_row_avx512(float *row, long live) {
    __m512 maxVector = _mm512_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 16 <= live; i += 16) maxVector = _mm512_max_ps(maxVector, _mm512_loadu_ps(row + i));
    float maximum = _mm512_reduce_max_ps(maxVector);
    for (; i < live; i++) maximum = row[i] > maximum ? row[i] : maximum;
    if (maximum == -INFINITY) maximum = 0;
    __m512 m = _mm512_set1_ps(maximum), minusInfinity = _mm512_set1_ps(-INFINITY);
    __m512 sumVector = _mm512_setzero_ps();
    for (i = 0; i + 16 <= live; i += 16) {
        __m512 x = _mm512_loadu_ps(row + i);
        __mmask16 finite = _mm512_cmp_ps_mask(x, minusInfinity, _CMP_NEQ_OQ);
        __m512 e = _mm512_maskz_mov_ps(finite, exp_poly512(_mm512_sub_ps(x, m)));
        _mm512_storeu_ps(row + i, e);
        sumVector = _mm512_add_ps(sumVector, e);
    }
    float sum = _mm512_reduce_add_ps(sumVector);
    for (; i < live; i++) {
        float e = row[i] == -INFINITY ? 0 : exp_poly(row[i] - maximum);
        row[i] = e;
        sum += e;
    }
    __m512 inverse = _mm512_set1_ps(1 / sum);
    for (i = 0; i + 16 <= live; i += 16) _mm512_storeu_ps(row + i, _mm512_mul_ps(_mm512_loadu_ps(row + i), inverse));
    for (; i < live; i++) row[i] *= 1 / sum;
}

__attribute__((target("avx512f,fma"))) static float log_sum_exp_avx512(const float *x, long count) {
    __m512 maxVector = _mm512_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 16 <= count; i += 16) maxVector = _mm512_max_ps(maxVector, _mm512_loadu_ps(x + i));
    float maximum = _mm512_reduce_max_ps(maxVector);
    for (; i < count; i++) maximum = x[i] > maximum ? x[i] : maximum;
    if (maximum == -INFINITY) return -INFINITY;
    __m512 m = _mm512_set1_ps(maximum), minusInfinity = _mm512_set1_ps(-INFINITY);
    __m512 sumVector = _mm512_setzero_ps();
    for (i = 0; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __mmask16 finite = _mm512_cmp_ps_mask(v, minusInfinity, _CMP_NEQ_OQ);
        sumVector = _mm512_add_ps(sumVector, _mm512_maskz_mov_ps(finite, exp_poly512(_mm512_sub_ps(v, m))));
    }
    float sum = _mm512_reduce_add_ps(sumVector);
    for (; i < count; i++) sum += x[i] == -INFINITY ? 0 : exp_poly(x[i] - maximum);
    return maximum + logf(sum);
}

#endif

void tandem_softmax_rows(float *values, long rows, long count, long stride, long limit0) {
    for (long r = 0; r < rows; r++) {
        float *row = values + r * stride;
        long live = count;
        if (limit0 >= 0 && limit0 + r < count) live = limit0 + r < 0 ? 0 : limit0 + r;
        for (long i = live; i < count; i++) row[i] = 0;
#if TANDEM_X86
        if (tandem_cpu_isa() == isa_avx512) { softmax_row_avx512(row, live); continue; }
#endif
        softmax_row_portable(row, live);
    }
}

float tandem_log_sum_exp(const float *x, long count) {
#if TANDEM_X86
    if (tandem_cpu_isa() == isa_avx512) return log_sum_exp_avx512(x, count);
#endif
    return log_sum_exp_portable(x, count);
}
