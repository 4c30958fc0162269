// One attention head over short sequences (a decoder step's self-attention). See CTandemKernels.h.
#include "CTandemKernels.h"
#include "cpu_isa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TANDEM_X86 1
#endif

static void attention_head_portable(const float *q, long qStride, const float *k, const float *v, long kvStride,
                                    long lq, long lk, long headDim, float alpha, long causalOffset,
                                    float *scratch, float *out, long outStride) {
    for (long i = 0; i < lq; i++) {
        const float *qi = q + i * qStride;
        long live = causalOffset >= 0 && causalOffset + i + 1 < lk ? causalOffset + i + 1 : lk;
        for (long j = 0; j < live; j++) {
            const float *kj = k + j * kvStride;
            float dot = 0;
            for (long c = 0; c < headDim; c++) dot += qi[c] * kj[c];
            scratch[j] = dot * alpha;
        }
        tandem_softmax_rows(scratch, 1, live, live, -1);
        float *oi = out + i * outStride;
        for (long c = 0; c < headDim; c++) oi[c] = 0;
        for (long j = 0; j < live; j++) {
            const float *vj = v + j * kvStride;
            float p = scratch[j];
            for (long c = 0; c < headDim; c++) oi[c] += p * vj[c];
        }
    }
}

#if TANDEM_X86
// headDim ≤ 128 and a multiple of 16: q_i and out_i live in (up to 8) registers.
__attribute__((target("avx512f,fma"))) static void attention_head_avx512(
    const float *q, long qStride, const float *k, const float *v, long kvStride, long lq, long lk, long headDim,
    float alpha, long causalOffset, float *scratch, float *out, long outStride) {
    long vectors = headDim / 16;
    for (long i = 0; i < lq; i++) {
        const float *qi = q + i * qStride;
        long live = causalOffset >= 0 && causalOffset + i + 1 < lk ? causalOffset + i + 1 : lk;
        __m512 qv[8];
        for (long c = 0; c < vectors; c++) qv[c] = _mm512_loadu_ps(qi + 16 * c);
        for (long j = 0; j < live; j++) {
            const float *kj = k + j * kvStride;
            __m512 acc = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kj));
            for (long c = 1; c < vectors; c++) acc = _mm512_fmadd_ps(qv[c], _mm512_loadu_ps(kj + 16 * c), acc);
            scratch[j] = _mm512_reduce_add_ps(acc) * alpha;
        }
        tandem_softmax_rows(scratch, 1, live, live, -1);
        __m512 ov[8];
        for (long c = 0; c < vectors; c++) ov[c] = _mm512_setzero_ps();
        for (long j = 0; j < live; j++) {
            const float *vj = v + j * kvStride;
            __m512 p = _mm512_set1_ps(scratch[j]);
            for (long c = 0; c < vectors; c++) ov[c] = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 16 * c), ov[c]);
        }
        float *oi = out + i * outStride;
        for (long c = 0; c < vectors; c++) _mm512_storeu_ps(oi + 16 * c, ov[c]);
    }
}

#endif

void tandem_attention_head(const float *q, long qStride, const float *k, const float *v, long kvStride,
                           long lq, long lk, long headDim, float alpha, long causalOffset,
                           float *scratch, float *out, long outStride) {
#if TANDEM_X86
    if (headDim % 16 == 0 && headDim <= 128 && tandem_cpu_isa() == isa_avx512) {
        attention_head_avx512(q, qStride, k, v, kvStride, lq, lk, headDim, alpha, causalOffset, scratch, out, outStride);
        return;
    }
#endif
    attention_head_portable(q, qStride, k, v, kvStride, lq, lk, headDim, alpha, causalOffset, scratch, out, outStride);
}
