#ifndef TANDEM_KERNELS_H
#define TANDEM_KERNELS_H
// Tandem's own C kernels: the few loops that need instructions Swift cannot ask for per function
// (AVX-512/AVX2, FMA and F16C half-to-float conversion), chosen at run time from what the CPU
// supports, with a portable C fallback. TandemNN wraps them (tests also call the per-ISA entry points).
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outputs per packed block: a linear weight [out, in] is stored as ceil(out / 16) blocks of
/// [in][16], so one vector load gives one input feature's weights for 16 outputs.
enum { tandem_linear_block = 16 };

/// Packs a row-major fp32 weight [out, in] into fp16 blocks (`ceil(out/16) · 16 · in` values,
/// missing outputs of the last block are zero). Returns 1 when every weight converted exactly
/// (the checkpoint was stored in fp16), 0 otherwise (then `packed` must not be used).
int tandem_pack_linear_f16(const float *weight, long out, long in, uint16_t *packed);

/// Widens `count` fp16 values (IEEE binary16 bits in host order, `source` need not be aligned) to
/// fp32, exactly (F16C when the CPU has it).
void tandem_half_to_float(const void *source, long count, float *destination);

/// Packs a row-major fp32 weight [out, in] into fp32 blocks (same layout as the fp16 packing).
void tandem_pack_linear_f32(const float *weight, long out, long in, float *packed);

/// y[r, o] = Σ_i x[r, i] · W[o, i] (+ bias[o]) for the outputs of blocks [blockBegin, blockEnd),
/// every row r < rows; x is [rows, in], y is [rows, out] (row stride `out`); bias may be NULL.
/// Each output is one fp32 sum in input order, as a GEMM micro-kernel forms it.
void tandem_linear_f16(const float *x, long rows, long in, const uint16_t *packed, long out,
                       long blockBegin, long blockEnd, const float *bias, float *y);

/// As `tandem_linear_f16`, on fp32 blocks.
void tandem_linear_f32(const float *x, long rows, long in, const float *packed, long out,
                       long blockBegin, long blockEnd, const float *bias, float *y);

/// `tandem_linear_f16` / `tandem_linear_f32` with a chosen instruction set (0 portable, 1 AVX2,
/// 2 AVX-512), so tests can check every path the CPU has. Returns 0, computing nothing, when the
/// CPU (or build) lacks it.
int tandem_linear_f16_isa(int isa, const float *x, long rows, long in, const uint16_t *packed, long out,
                          long blockBegin, long blockEnd, const float *bias, float *y);
int tandem_linear_f32_isa(int isa, const float *x, long rows, long in, const float *packed, long out,
                          long blockBegin, long blockEnd, const float *bias, float *y);

/// Softmax of each of `rows` rows of `count` values (row stride `stride`) in place, the row maximum
/// subtracted first; −∞ entries get exactly 0. For row r only the first `limit0 + r` entries
/// are live when `limit0 >= 0` (causal attention: the rest are set to 0); `limit0 < 0` means all.
/// eˣ is a degree-6 polynomial after range reduction (about 2 ulp).
void tandem_softmax_rows(float *values, long rows, long count, long stride, long limit0);

/// log Σ exp(x[i]) over `count` values, computed as max + log Σ exp(x[i] − max); −∞ when every
/// value is −∞. The exponentials use the same polynomial as `tandem_softmax_rows`.
float tandem_log_sum_exp(const float *x, long count);

/// Attention of one head for short sequences, where a GEMM call costs more than the work:
/// for each query row i < lq, scores_j = alpha · q_i · k_j over the live keys j (all lk, or
/// j ≤ causalOffset + i when causalOffset ≥ 0), softmax as `tandem_softmax_rows`, and
/// out_i = Σ_j p_j · v_j. Rows of q, k, v and out are `qStride`, `kvStride`, `kvStride` and
/// `outStride` floats apart; `scratch` holds lk floats.
void tandem_attention_head(const float *q, long qStride, const float *k, const float *v, long kvStride,
                           long lq, long lk, long headDim, float alpha, long causalOffset,
                           float *scratch, float *out, long outStride);

/// C = alpha·op(A)·op(B), or C += alpha·op(A)·op(B) when `accumulate`, all row-major: op(A) is m×k (A stored k×m
/// when `transposeA`), op(B) is k×n (B stored n×k when `transposeB`), C is m×n. Single-threaded.
/// Returns 1 when done with AVX-512, 0 (computing nothing) when the CPU lacks it or memory for the
/// packed operands could not be had: the caller then uses another GEMM. (AVX2 hosts keep their dense products
/// in OpenBLAS, which is as fast there: see `dense_isa` in gemm.c.)
int tandem_sgemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                 const float *b, long ldb, int accumulate, float *c, long ldc);

/// `tandem_sgemm` for operands with many zeros (the harmonic NMF's templates): the steps of k where a packed
/// panel of A (12 rows; 6 with AVX2) or of B (32 columns; 16 with AVX2) is all zero are skipped. Each sum runs over
/// the same steps in the same order less terms that are exactly zero, so C gets the same bits as from the dense
/// product (for finite A and B); only the work falls, with the share of such steps. With AVX-512 or AVX2; returns 0,
/// computing nothing, without either.
int tandem_sgemm_sparse(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, int accumulate, float *c, long ldc);

/// C = op(A)·op(B) where only some of C is wanted: row i's columns [neededFrom[i], neededTo[i]). The 12 × 32 tiles
/// (6 × 16 with AVX2) of C that hold none of them are not computed (left as they were); the others get the bits the
/// dense product gives them, and so may the columns around the wanted ones in those tiles. Returns 0, computing
/// nothing, without AVX-512 or AVX2.
int tandem_sgemm_rows_needed(int transposeA, int transposeB, long m, long n, long k, const float *a, long lda, const float *b,
                             long ldb, const int *neededFrom, const int *neededTo, float *c, long ldc);

/// `tandem_sgemm` (`skipZeros` 0, `neededFrom` NULL), `tandem_sgemm_sparse` (`skipZeros` 1) or `tandem_sgemm_rows_needed`
/// (`neededFrom`/`neededTo` given; alpha 1, `accumulate` 0) with a chosen instruction set (1 AVX2, its 6 × 16 tile;
/// 2 AVX-512, its 12 × 32 tile), so tests can check every path the CPU has, the dense AVX2 one among them, which
/// `tandem_sgemm` leaves to OpenBLAS. Returns 0, computing nothing, when the CPU lacks it.
int tandem_sgemm_isa(int isa, int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                     const float *b, long ldb, int accumulate, float *c, long ldc, int skipZeros, const int *neededFrom,
                     const int *neededTo);

/// A stride-1 1-D convolution as one GEMM whose column matrix is never built: c[o][t] (=, or +=
/// when `accumulate`) Σ_{ch, j} weight[o][ch][j] · signal[ch][t + j·dilation] for t < n. `weight` is
/// [outputs][channels][taps] as PyTorch stores it; `signal` rows are `ldSignal` apart and already
/// padded. `packedWeight`, when not NULL, is `weight` as [outputs][channels·taps] packed by
/// `tandem_sgemm_pack_a` (shared by the threads that split t). Returns 0, computing nothing, without AVX-512.
int tandem_conv1d_gemm(long outputs, long n, long channels, long taps, long dilation, const float *weight,
                       const float *packedWeight, const float *signal, long ldSignal, int accumulate, float *c, long ldc);

/// For an A used in many products (a convolution's filters against block after block of its input):
/// the floats `tandem_sgemm_pack_a` writes for an m×k op(A), or 0 when the CPU lacks AVX-512.
long tandem_sgemm_packed_a_count(long m, long k);

/// Packs op(A) (m×k; stored k×m when `transposeA`) into the panels `tandem_sgemm_prepacked` reads.
void tandem_sgemm_pack_a(int transposeA, long m, long k, const float *a, long lda, float *packed);

/// `tandem_sgemm` with A already packed by `tandem_sgemm_pack_a` for the same m and k.
int tandem_sgemm_prepacked(long m, long n, long k, float alpha, const float *packedA, int transposeB,
                           const float *b, long ldb, int accumulate, float *c, long ldc);

/// The instruction set the kernels use on this CPU: "avx512", "avx2" or "portable".
const char *tandem_kernels_isa(void);

#ifdef __cplusplus
}
#endif
#endif
