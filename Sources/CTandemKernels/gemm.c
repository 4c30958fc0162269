// Single-precision GEMM with AVX-512: C = alpha·A·B (+ C), row-major, single-threaded. See CTandemKernels.h.
//
// The classic layered scheme (Goto & van de Geijn): B is packed in blocks of KC rows by NC columns,
// cut into panels of 32 columns (two vectors); A in blocks of MC rows by KC, cut into panels of 12
// rows. The micro-kernel keeps a 12×32 tile of C in 24 of the 32 vector registers and, for each k,
// multiplies one B row of the panel (two vectors, from L1) by 12 broadcast A values (from L2).
#include "CTandemKernels.h"
#include "cpu_isa.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#ifndef KC_SIZE
#define KC_SIZE 256
#endif
#ifndef NC_SIZE
#define NC_SIZE 512
#endif
enum { MR = 12, NR = 32, KC = KC_SIZE, MC = 96, NC = NC_SIZE };
/// The widest block of B: NC columns, or up to two panels more when that is all that is left of n. A last block
/// of a few columns would pack every block of A once more for them (a 513-bin spectrum: A packed twice, for one
/// column); the blocks of n change no sum, so C keeps its bits.
enum { NC_LAST = NC + 2 * NR };

/// Packs rows [i0, i0 + mc) × columns [p0, p0 + kc) of op(A) into panels of MR rows, k-major
/// (panel[kk][r]), rows past the end zero.
static void pack_a(const float *a, long lda, int transposed, long i0, long mc, long p0, long kc, float *packed) {
    for (long panel = 0; panel < mc; panel += MR) {
        long rows = mc - panel < MR ? mc - panel : MR;
        float *target = packed + panel * kc;
        if (rows == MR) {
            // A whole panel: a run of MR values per step when A is stored transposed, else each row's run of kc values.
            if (transposed) {
                for (long kk = 0; kk < kc; kk++) memcpy(target + kk * MR, a + (p0 + kk) * lda + i0 + panel, MR * sizeof(float));
            } else {
                for (long r = 0; r < MR; r++) {
                    const float *source = a + (i0 + panel + r) * lda + p0;
                    for (long kk = 0; kk < kc; kk++) target[kk * MR + r] = source[kk];
                }
            }
            continue;
        }
        for (long kk = 0; kk < kc; kk++) {
            for (long r = 0; r < MR; r++) {
                float value = 0;
                if (r < rows) {
                    long i = i0 + panel + r, p = p0 + kk;
                    value = transposed ? a[p * lda + i] : a[i * lda + p];
                }
                target[kk * MR + r] = value;
            }
        }
    }
}

/// Where row p of a non-transposed B starts: `b + p·ldb`, or, for a convolution's implicit column
/// matrix (`taps` > 0), row p = (channel c, tap j) of the signal [C][ldb] shifted by j·dilation:
/// `b + c·ldb + j·dilation`.
typedef struct {
    long taps, dilation;
} row_map;

static inline const float *b_row(const float *b, long ldb, row_map map, long p) {
    if (map.taps == 0) return b + p * ldb;
    return b + (p / map.taps) * ldb + (p % map.taps) * map.dilation;
}

/// Packs rows [p0, p0 + kc) × columns [j0, j0 + nc) of op(B) into panels of NR columns, k-major
/// (panel[kk][c]), columns past the end zero.
static void pack_b(const float *b, long ldb, int transposed, row_map map, long p0, long kc, long j0, long nc, float *packed) {
    for (long panel = 0; panel < nc; panel += NR) {
        long columns = nc - panel < NR ? nc - panel : NR;
        float *target = packed + panel * kc;
        for (long kk = 0; kk < kc; kk++) {
            float *row = target + kk * NR;
            long p = p0 + kk;
            if (!transposed) {
                const float *source = b_row(b, ldb, map, p) + j0 + panel;
                memcpy(row, source, (size_t)columns * sizeof(float));
            } else {
                for (long c = 0; c < columns; c++) row[c] = b[(j0 + panel + c) * ldb + p];
            }
            for (long c = columns; c < NR; c++) row[c] = 0;
        }
    }
}

/// The 12×32 tile: c[r][0..31] (=, or += when `accumulate`) alpha · Σ_k a[k][r] · b[k][0..31], over every step of
/// k (`steps` NULL, `count` = kc) or over the `count` steps listed in `steps` (ascending) only. Only the first
/// `rows` × `columns` of the tile are stored. Always inlined into its two callers, where `steps` is a constant, so
/// neither pays for the other's loop.
__attribute__((target("avx512f,fma"), always_inline)) static inline void tile_12x32(
    long count, const unsigned short *steps, const float *a, const float *b, float alpha, float *c, long ldc, long rows,
    long columns, int accumulate) {
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
    __m512 c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps(), c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps();
    __m512 ca0 = _mm512_setzero_ps(), ca1 = _mm512_setzero_ps(), cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
    for (long s = 0; s < count; s++) {
        const long kk = steps ? steps[s] : s;
        const float *ak = a + kk * MR, *bk = b + kk * NR;
        const __m512 b0 = _mm512_load_ps(bk), b1 = _mm512_load_ps(bk + 16);
        __m512 x;
#define ROW(R, C0, C1) x = _mm512_set1_ps(ak[R]); C0 = _mm512_fmadd_ps(x, b0, C0); C1 = _mm512_fmadd_ps(x, b1, C1);
        ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)
        ROW(6, c60, c61) ROW(7, c70, c71) ROW(8, c80, c81) ROW(9, c90, c91) ROW(10, ca0, ca1) ROW(11, cb0, cb1)
#undef ROW
    }
    const __m512 tile[MR][2] = {
        {c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51},
        {c60, c61}, {c70, c71}, {c80, c81}, {c90, c91}, {ca0, ca1}, {cb0, cb1},
    };
    // Masks for the two vectors of a row that hangs over the right edge.
    __mmask16 low = columns >= 16 ? 0xFFFF : (__mmask16)((1u << columns) - 1);
    __mmask16 high = columns >= 32 ? 0xFFFF : columns <= 16 ? 0 : (__mmask16)((1u << (columns - 16)) - 1);
    const __m512 scale = _mm512_set1_ps(alpha);
    for (long r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        __m512 v0 = _mm512_mul_ps(tile[r][0], scale), v1 = _mm512_mul_ps(tile[r][1], scale);
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(low, row));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(high, row + 16));
        }
        _mm512_mask_storeu_ps(row, low, v0);
        _mm512_mask_storeu_ps(row + 16, high, v1);
    }
}

/// Every step of k.
__attribute__((target("avx512f,fma"))) static void kernel_12x32(
    long kc, const float *a, const float *b, float alpha, float *c, long ldc, long rows, long columns, int accumulate) {
    tile_12x32(kc, NULL, a, b, alpha, c, ldc, rows, columns, accumulate);
}

/// Only the `count` steps of k listed in `steps`: the steps left out are those where the A panel's column or the
/// B panel's row is all zero, whose products add exactly nothing (each sum keeps its order, so C gets the same bits
/// as from every step, for finite A and B).
__attribute__((target("avx512f,fma"))) static void kernel_12x32_steps(
    long count, const unsigned short *steps, const float *a, const float *b, float alpha, float *c, long ldc, long rows,
    long columns, int accumulate) {
    tile_12x32(count, steps, a, b, alpha, c, ldc, rows, columns, accumulate);
}

enum { STEP_WORDS = (KC + 63) / 64 };

/// Marks, for each of the `panels` packed panels of `width` values per step, the steps of k (of `kc`) holding a
/// value that is not zero: bit kk of panel p's `STEP_WORDS` words.
static void nonzero_steps(const float *packed, long panels, long width, long kc, unsigned long long *bits) {
    for (long p = 0; p < panels; p++) {
        unsigned long long *words = bits + p * STEP_WORDS;
        for (long w = 0; w < STEP_WORDS; w++) words[w] = 0;
        const float *panel = packed + p * width * kc;
        for (long kk = 0; kk < kc; kk++) {
            const float *step = panel + kk * width;
            int any = 0;
            for (long v = 0; v < width; v++) any |= step[v] != 0;
            if (any) words[kk / 64] |= 1ull << (kk % 64);
        }
    }
}

__attribute__((target("avx512f,fma"))) static void sgemm_avx512(
    int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
    row_map map, int accumulate, float *c, long ldc, const float *prepackedA, float *packedA, float *packedB, int skipZeros,
    const int *neededFrom, const int *neededTo) {
    long paddedM = (m + MR - 1) / MR * MR;
    // With `skipZeros`: which steps of k each packed panel has non-zero, and one tile's steps to run.
    unsigned long long stepsOfB[(NC_LAST / NR) * STEP_WORDS], stepsOfA[(MC / MR) * STEP_WORDS];
    unsigned short steps[KC];
    for (long j0 = 0, nc; j0 < n; j0 += nc) {
        nc = n - j0 <= NC_LAST ? n - j0 : NC;
        for (long p0 = 0; p0 < k; p0 += KC) {
            long kc = k - p0 < KC ? k - p0 : KC;
            // The first slice of k writes C (or adds to it when asked); later slices add.
            int add = accumulate || p0 > 0;
            pack_b(b, ldb, transposeB, map, p0, kc, j0, nc, packedB);
            if (skipZeros) nonzero_steps(packedB, (nc + NR - 1) / NR, NR, kc, stepsOfB);
            for (long i0 = 0; i0 < m; i0 += MC) {
                long mc = m - i0 < MC ? m - i0 : MC;
                const float *panels = packedA;
                if (prepackedA) {
                    panels = prepackedA + p0 * paddedM + i0 * kc;
                } else {
                    pack_a(a, lda, transposeA, i0, mc, p0, kc, packedA);
                }
                if (skipZeros) nonzero_steps(panels, (mc + MR - 1) / MR, MR, kc, stepsOfA);
                for (long ir = 0; ir < mc; ir += MR) {
                    long rows = mc - ir < MR ? mc - ir : MR;
                    for (long jr = 0; jr < nc; jr += NR) {
                        long columns = nc - jr < NR ? nc - jr : NR;
                        if (neededFrom) {
                            // A tile none of whose rows needs a column of it is left as it was.
                            long first = j0 + jr, last = j0 + jr + columns;
                            int needed = 0;
                            for (long r = i0 + ir; r < i0 + ir + rows; r++) needed |= neededFrom[r] < last && neededTo[r] > first;
                            if (!needed) continue;
                        }
                        if (!skipZeros) {
                            kernel_12x32(kc, panels + ir * kc, packedB + jr * kc, alpha, c + (i0 + ir) * ldc + j0 + jr, ldc,
                                         rows, columns, add);
                            continue;
                        }
                        long count = 0;
                        for (long w = 0; w < STEP_WORDS; w++) {
                            unsigned long long both = stepsOfA[(ir / MR) * STEP_WORDS + w] & stepsOfB[(jr / NR) * STEP_WORDS + w];
                            while (both) {
                                steps[count++] = (unsigned short)(w * 64 + __builtin_ctzll(both));
                                both &= both - 1;
                            }
                        }
                        kernel_12x32_steps(count, steps, panels + ir * kc, packedB + jr * kc, alpha, c + (i0 + ir) * ldc + j0 + jr,
                                           ldc, rows, columns, add);
                    }
                }
            }
        }
    }
}

/// Each thread's packing buffers, kept between calls: allocating them per call cost more than the
/// packing itself on small products (fresh pages fault in on every call).
static _Thread_local float *thread_packed_a = NULL, *thread_packed_b = NULL;

/// This thread's packing buffers, or 0 when they cannot be had.
static int thread_buffers(void) {
    if (!thread_packed_a) thread_packed_a = aligned_alloc(64, (size_t)MC * KC * sizeof(float));
    if (!thread_packed_b) thread_packed_b = aligned_alloc(64, (size_t)NC_LAST * KC * sizeof(float));
    return thread_packed_a && thread_packed_b;
}

int tandem_sgemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                 const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (tandem_cpu_isa() < isa_avx512 || m <= 0 || n <= 0 || k <= 0 || !thread_buffers()) return 0;
    sgemm_avx512(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, (row_map){0, 0}, accumulate, c, ldc, NULL,
                 thread_packed_a, thread_packed_b, 0, NULL, NULL);
    return 1;
}

int tandem_sgemm_sparse(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (tandem_cpu_isa() < isa_avx512 || m <= 0 || n <= 0 || k <= 0 || !thread_buffers()) return 0;
    sgemm_avx512(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, (row_map){0, 0}, accumulate, c, ldc, NULL,
                 thread_packed_a, thread_packed_b, 1, NULL, NULL);
    return 1;
}

int tandem_sgemm_rows_needed(int transposeA, int transposeB, long m, long n, long k, const float *a, long lda, const float *b,
                             long ldb, const int *neededFrom, const int *neededTo, float *c, long ldc) {
    if (tandem_cpu_isa() < isa_avx512 || m <= 0 || n <= 0 || k <= 0 || !thread_buffers()) return 0;
    sgemm_avx512(transposeA, transposeB, m, n, k, 1, a, lda, b, ldb, (row_map){0, 0}, 0, c, ldc, NULL, thread_packed_a,
                 thread_packed_b, 0, neededFrom, neededTo);
    return 1;
}

int tandem_conv1d_gemm(long outputs, long n, long channels, long taps, long dilation, const float *weight,
                       const float *packedWeight, const float *signal, long ldSignal, int accumulate, float *c, long ldc) {
    if (tandem_cpu_isa() < isa_avx512 || outputs <= 0 || n <= 0 || channels <= 0 || taps <= 0 || !thread_buffers()) return 0;
    sgemm_avx512(0, 0, outputs, n, channels * taps, 1, weight, channels * taps, signal, ldSignal,
                 (row_map){taps, dilation}, accumulate, c, ldc, packedWeight, thread_packed_a, thread_packed_b, 0, NULL, NULL);
    return 1;
}

long tandem_sgemm_packed_a_count(long m, long k) {
    if (tandem_cpu_isa() < isa_avx512 || m <= 0 || k <= 0) return 0;
    return (m + MR - 1) / MR * MR * k;
}

void tandem_sgemm_pack_a(int transposeA, long m, long k, const float *a, long lda, float *packed) {
    // Slice by slice of k, every row panel: the layout `sgemm_avx512` reads prepacked panels from.
    long paddedM = (m + MR - 1) / MR * MR;
    for (long p0 = 0; p0 < k; p0 += KC) {
        long kc = k - p0 < KC ? k - p0 : KC;
        pack_a(a, lda, transposeA, 0, m, p0, kc, packed + p0 * paddedM);
    }
}

int tandem_sgemm_prepacked(long m, long n, long k, float alpha, const float *packedA, int transposeB,
                           const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (tandem_cpu_isa() < isa_avx512 || m <= 0 || n <= 0 || k <= 0 || !thread_buffers()) return 0;
    sgemm_avx512(0, transposeB, m, n, k, alpha, NULL, 0, b, ldb, (row_map){0, 0}, accumulate, c, ldc, packedA,
                 thread_packed_a, thread_packed_b, 0, NULL, NULL);
    return 1;
}

#else
int tandem_sgemm_rows_needed(int transposeA, int transposeB, long m, long n, long k, const float *a, long lda, const float *b,
                             long ldb, const int *neededFrom, const int *neededTo, float *c, long ldc) {
    return 0;
}
int tandem_sgemm_sparse(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, int accumulate, float *c, long ldc) {
    return 0;
}
int tandem_sgemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                 const float *b, long ldb, int accumulate, float *c, long ldc) {
    return 0;
}
int tandem_conv1d_gemm(long outputs, long n, long channels, long taps, long dilation, const float *weight,
                       const float *packedWeight, const float *signal, long ldSignal, int accumulate, float *c, long ldc) {
    return 0;
}
long tandem_sgemm_packed_a_count(long m, long k) { return 0; }
void tandem_sgemm_pack_a(int transposeA, long m, long k, const float *a, long lda, float *packed) {}
int tandem_sgemm_prepacked(long m, long n, long k, float alpha, const float *packedA, int transposeB,
                           const float *b, long ldb, int accumulate, float *c, long ldc) {
    return 0;
}
#endif
