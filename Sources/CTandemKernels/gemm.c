// Single-precision GEMM with AVX-512 or AVX2: C = alpha·A·B (+ C), row-major, single-threaded. See CTandemKernels.h.
//
// The classic layered scheme (Goto & van de Geijn): B is packed in blocks of KC rows by NC columns,
// cut into panels of NR columns (two vectors); A in blocks of MC rows by KC, cut into panels of MR
// rows. The micro-kernel keeps an MR×NR tile of C in registers and, for each k, multiplies one B row of
// the panel (two vectors, from L1) by MR broadcast A values (from L2). With AVX-512 the tile is 12×32
// (24 of the 32 registers); with AVX2 it is 6×16 (12 of the 16, beside two of B and one broadcast).
// Both shapes form each element of C as the same chain of fused multiply-adds over the same slices of
// k, so the two paths give the same bits.
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
/// AVX-512's tile (MR × NR) and AVX2's (MR2 × NR2); MC is a multiple of both MR and MR2.
enum { MR = 12, NR = 32, MR2 = 6, NR2 = 16, KC = KC_SIZE, MC = 96, NC = NC_SIZE };
/// The widest block of B: NC columns, or up to two panels more when that is all that is left of n. A last block
/// of a few columns would pack every block of A once more for them (a 513-bin spectrum: A packed twice, for one
/// column); the blocks of n change no sum, so C keeps its bits. NC_LAST is the widest of both shapes.
enum { NC_LAST = NC + 2 * NR };

/// Packs rows [i0, i0 + mc) × columns [p0, p0 + kc) of op(A) into panels of `mr` rows, k-major
/// (panel[kk][r]), rows past the end zero. Always inlined, so that `mr` is a constant in each shape's copy (a run of
/// 6 or 12 floats is then a few moves, not a call).
__attribute__((always_inline)) static inline void pack_a(long mr, const float *a, long lda, int transposed, long i0, long mc, long p0, long kc, float *packed) {
    for (long panel = 0; panel < mc; panel += mr) {
        long rows = mc - panel < mr ? mc - panel : mr;
        float *target = packed + panel * kc;
        if (rows == mr) {
            // A whole panel: a run of MR values per step when A is stored transposed, else each row's run of kc values.
            if (transposed) {
                for (long kk = 0; kk < kc; kk++) memcpy(target + kk * mr, a + (p0 + kk) * lda + i0 + panel, (size_t)mr * sizeof(float));
            } else {
                for (long r = 0; r < mr; r++) {
                    const float *source = a + (i0 + panel + r) * lda + p0;
                    for (long kk = 0; kk < kc; kk++) target[kk * mr + r] = source[kk];
                }
            }
            continue;
        }
        for (long kk = 0; kk < kc; kk++) {
            for (long r = 0; r < mr; r++) {
                float value = 0;
                if (r < rows) {
                    long i = i0 + panel + r, p = p0 + kk;
                    value = transposed ? a[p * lda + i] : a[i * lda + p];
                }
                target[kk * mr + r] = value;
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

/// Packs rows [p0, p0 + kc) × columns [j0, j0 + nc) of op(B) into panels of `nr` columns, k-major
/// (panel[kk][c]), columns past the end zero. Always inlined, as `pack_a`.
__attribute__((always_inline)) static inline void pack_b(long nr, const float *b, long ldb, int transposed, row_map map,
                                                        long p0, long kc, long j0, long nc, float *packed) {
    for (long panel = 0; panel < nc; panel += nr) {
        long columns = nc - panel < nr ? nc - panel : nr;
        float *target = packed + panel * kc;
        for (long kk = 0; kk < kc; kk++) {
            float *row = target + kk * nr;
            long p = p0 + kk;
            if (!transposed) {
                const float *source = b_row(b, ldb, map, p) + j0 + panel;
                memcpy(row, source, (size_t)columns * sizeof(float));
            } else {
                for (long c = 0; c < columns; c++) row[c] = b[(j0 + panel + c) * ldb + p];
            }
            for (long c = columns; c < nr; c++) row[c] = 0;
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

/// A tile's kernel: every step of k (`steps` NULL, `count` = kc) or only the `count` steps listed in `steps` (or the
/// `count` runs of steps, as pairs [from, to), for a kernel that takes runs).
typedef void (*tile_kernel)(long count, const unsigned short *steps, const float *a, const float *b, float alpha, float *c,
                            long ldc, long rows, long columns, int accumulate);

/// Every step of k.
__attribute__((target("avx512f,fma"))) static void kernel_12x32(
    long kc, const unsigned short *steps, const float *a, const float *b, float alpha, float *c, long ldc, long rows,
    long columns, int accumulate) {
    (void)steps;
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

/// How `tile_6x16` walks k: every step, a list of steps, or runs of consecutive steps.
enum { every_step, listed_steps, step_runs };

/// `tile_12x32` for AVX2: a 6×16 tile of C in 12 of the 16 ymm registers, two for the B row, one for the broadcast
/// A value. Each element's sum is the same chain of fused multiply-adds in k as in the 12×32 tile, then scaled by
/// alpha and added to C the same way, so both give the same bits. The steps of k (`walk`, a constant in each caller):
/// every step (`count` = kc), the `count` steps listed in `steps` (ascending), or `count` runs of consecutive steps,
/// run r being [steps[2r], steps[2r + 1]). A list costs an index load per step, a run a mispredicted branch at its
/// end: on the harmonic model's X·W (runs of 7 steps in a 6×16 tile) the list ran faster (0.90 against 1.03 ms), on
/// its Q·Wᵀ (runs of 48) the runs (0.96 against 1.18 ms), so the caller picks per tile (`LONG_RUN`).
__attribute__((target("avx2,fma"), always_inline)) static inline void tile_6x16(
    int walk, long count, const unsigned short *steps, const float *a, const float *b, float alpha, float *c, long ldc,
    long rows, long columns, int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#define STEP(KK)                                                                                                          \
    {                                                                                                                     \
        const float *ak = a + (KK) * MR2, *bk = b + (KK) * NR2;                                                           \
        const __m256 b0 = _mm256_load_ps(bk), b1 = _mm256_load_ps(bk + 8);                                                \
        __m256 x;                                                                                                         \
        ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31) ROW(4, c40, c41) ROW(5, c50, c51)             \
    }
#define ROW(R, C0, C1) x = _mm256_broadcast_ss(ak + R); C0 = _mm256_fmadd_ps(x, b0, C0); C1 = _mm256_fmadd_ps(x, b1, C1);
    if (walk == every_step) {
        for (long kk = 0; kk < count; kk++) STEP(kk)
    } else if (walk == listed_steps) {
        for (long s = 0; s < count; s++) STEP((long)steps[s])
    } else {
        for (long r = 0; r < count; r++) {
            for (long kk = steps[2 * r], to = steps[2 * r + 1]; kk < to; kk++) STEP(kk)
        }
    }
#undef ROW
#undef STEP
    const __m256 tile[MR2][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const __m256 scale = _mm256_set1_ps(alpha);
    if (columns == NR2) {
        for (long r = 0; r < rows; r++) {
            float *row = c + r * ldc;
            __m256 v0 = _mm256_mul_ps(tile[r][0], scale), v1 = _mm256_mul_ps(tile[r][1], scale);
            if (accumulate) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
            }
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
        }
        return;
    }
    // A row that hangs over the right edge: lanes below `columns` only.
    const __m256i limit = _mm256_set1_epi32((int)columns);
    const __m256i low = _mm256_cmpgt_epi32(limit, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i high = _mm256_cmpgt_epi32(limit, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15));
    for (long r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        __m256 v0 = _mm256_mul_ps(tile[r][0], scale), v1 = _mm256_mul_ps(tile[r][1], scale);
        if (accumulate) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(row, low));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(row + 8, high));
        }
        _mm256_maskstore_ps(row, low, v0);
        _mm256_maskstore_ps(row + 8, high, v1);
    }
}

/// `kernel_12x32` for AVX2.
__attribute__((target("avx2,fma"))) static void kernel_6x16(
    long kc, const unsigned short *steps, const float *a, const float *b, float alpha, float *c, long ldc, long rows,
    long columns, int accumulate) {
    (void)steps;
    tile_6x16(every_step, kc, NULL, a, b, alpha, c, ldc, rows, columns, accumulate);
}

/// `kernel_12x32_steps` for AVX2.
__attribute__((target("avx2,fma"))) static void kernel_6x16_steps(
    long count, const unsigned short *steps, const float *a, const float *b, float alpha, float *c, long ldc, long rows,
    long columns, int accumulate) {
    tile_6x16(listed_steps, count, steps, a, b, alpha, c, ldc, rows, columns, accumulate);
}

/// `kernel_12x32_steps` for AVX2, over `count` runs of steps.
__attribute__((target("avx2,fma"))) static void kernel_6x16_runs(
    long count, const unsigned short *runs, const float *a, const float *b, float alpha, float *c, long ldc, long rows,
    long columns, int accumulate) {
    tile_6x16(step_runs, count, runs, a, b, alpha, c, ldc, rows, columns, accumulate);
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

/// The first step at or after `from` whose bit in `words` is `set` (1) or clear (0), or `kc` when none is before it.
static inline long next_step(const unsigned long long *words, long from, long kc, int set) {
    for (long w = from / 64; w < STEP_WORDS && w * 64 < kc; w++) {
        unsigned long long word = set ? words[w] : ~words[w];
        if (w == from / 64) word &= ~0ull << (from % 64);
        if (word) {
            long step = w * 64 + __builtin_ctzll(word);
            return step < kc ? step : kc;
        }
    }
    return kc;
}

/// Runs of steps at least this long on average are walked as runs by a kernel that can (`tile_6x16`), shorter ones as a
/// list: measured on the harmonic model's products, runs of 7 steps were slower as runs and runs of 48 faster.
enum { LONG_RUN = 16 };

/// The blocked product with an `mr` × `nr` tile and its kernels: `dense` over every step of k, `listed` over the steps
/// where neither packed panel is all zero, given as a list, and `runs` (NULL: none) over the same steps given as runs
/// of consecutive steps, when they are long. Always inlined into `sgemm_isa`, where the shape and kernels are constants.
__attribute__((always_inline)) static inline void sgemm_blocked(
    long mr, long nr, tile_kernel dense, tile_kernel listed, tile_kernel runs,
    int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda, const float *b, long ldb,
    row_map map, int accumulate, float *c, long ldc, const float *prepackedA, float *packedA, float *packedB, int skipZeros,
    const int *neededFrom, const int *neededTo) {
    long paddedM = (m + mr - 1) / mr * mr;
    // With `skipZeros`: which steps of k each packed panel has non-zero (room for the narrower shape's panels), and
    // one tile's steps (or runs of steps, at most kc / 2 + 1 pairs) to run.
    unsigned long long stepsOfB[((NC + 2 * NR2) / NR2) * STEP_WORDS], stepsOfA[(MC / MR2) * STEP_WORDS], both[STEP_WORDS];
    unsigned short steps[KC], stepRuns[KC + 2];
    // With `runs` (AVX2): where an A panel has every step live (the activations X are dense), a tile's steps are its B
    // panel's, the same for every row panel: each B panel's walk is kept (`walkKind`: none −1, list 0, runs 1) for the
    // row panels after the first, which took 18 % off X·W's time and 6 % off Q·Wᵀ's.
    enum { B_PANELS = (NC + 2 * NR2) / NR2 };
    unsigned short walkOfB[B_PANELS][KC + 2];
    long walkCount[B_PANELS];
    signed char walkKind[B_PANELS];
    int everyStepOfA[MC / MR2];
    for (long j0 = 0, nc; j0 < n; j0 += nc) {
        nc = n - j0 <= NC + 2 * nr ? n - j0 : NC;
        for (long p0 = 0; p0 < k; p0 += KC) {
            long kc = k - p0 < KC ? k - p0 : KC;
            // The first slice of k writes C (or adds to it when asked); later slices add.
            int add = accumulate || p0 > 0;
            pack_b(nr, b, ldb, transposeB, map, p0, kc, j0, nc, packedB);
            if (skipZeros) nonzero_steps(packedB, (nc + nr - 1) / nr, nr, kc, stepsOfB);
            for (long q = 0; q < B_PANELS; q++) walkKind[q] = -1;
            for (long i0 = 0; i0 < m; i0 += MC) {
                long mc = m - i0 < MC ? m - i0 : MC;
                const float *panels = packedA;
                if (prepackedA) {
                    panels = prepackedA + p0 * paddedM + i0 * kc;
                } else {
                    pack_a(mr, a, lda, transposeA, i0, mc, p0, kc, packedA);
                }
                if (skipZeros) {
                    nonzero_steps(panels, (mc + mr - 1) / mr, mr, kc, stepsOfA);
                    for (long q = 0; q < (mc + mr - 1) / mr; q++) {
                        long live = 0;
                        for (long w = 0; w < STEP_WORDS; w++) live += __builtin_popcountll(stepsOfA[q * STEP_WORDS + w]);
                        everyStepOfA[q] = live == kc;
                    }
                }
                for (long ir = 0; ir < mc; ir += mr) {
                    long rows = mc - ir < mr ? mc - ir : mr;
                    for (long jr = 0; jr < nc; jr += nr) {
                        long columns = nc - jr < nr ? nc - jr : nr;
                        if (neededFrom) {
                            // A tile none of whose rows needs a column of it is left as it was.
                            long first = j0 + jr, last = j0 + jr + columns;
                            int needed = 0;
                            for (long r = i0 + ir; r < i0 + ir + rows; r++) needed |= neededFrom[r] < last && neededTo[r] > first;
                            if (!needed) continue;
                        }
                        if (!skipZeros) {
                            dense(kc, NULL, panels + ir * kc, packedB + jr * kc, alpha, c + (i0 + ir) * ldc + j0 + jr, ldc,
                                  rows, columns, add);
                            continue;
                        }
                        const long bPanel = jr / nr;
                        const int keep = runs && everyStepOfA[ir / mr];
                        if (keep && walkKind[bPanel] >= 0) {
                            (walkKind[bPanel] ? runs : listed)(walkCount[bPanel], walkOfB[bPanel], panels + ir * kc,
                                                               packedB + jr * kc, alpha, c + (i0 + ir) * ldc + j0 + jr, ldc,
                                                               rows, columns, add);
                            continue;
                        }
                        long count = 0;
                        for (long w = 0; w < STEP_WORDS; w++) {
                            both[w] = stepsOfA[(ir / mr) * STEP_WORDS + w] & stepsOfB[(jr / nr) * STEP_WORDS + w];
                        }
                        if (runs) {
                            // Steps to run, and runs of them (a run starts at a set bit whose step before is clear).
                            long live = 0, starts = 0;
                            unsigned long long carry = 0;
                            for (long w = 0; w < STEP_WORDS; w++) {
                                live += __builtin_popcountll(both[w]);
                                starts += __builtin_popcountll(both[w] & ~(both[w] << 1 | carry));
                                carry = both[w] >> 63;
                            }
                            if (live >= LONG_RUN * starts) {
                                for (long from = next_step(both, 0, kc, 1); from < kc; count++) {
                                    long to = next_step(both, from, kc, 0);
                                    stepRuns[2 * count] = (unsigned short)from;
                                    stepRuns[2 * count + 1] = (unsigned short)to;
                                    from = next_step(both, to, kc, 1);
                                }
                                if (keep) {
                                    walkKind[bPanel] = 1;
                                    walkCount[bPanel] = count;
                                    memcpy(walkOfB[bPanel], stepRuns, (size_t)(2 * count) * sizeof(unsigned short));
                                }
                                runs(count, stepRuns, panels + ir * kc, packedB + jr * kc, alpha, c + (i0 + ir) * ldc + j0 + jr,
                                     ldc, rows, columns, add);
                                continue;
                            }
                        }
                        for (long w = 0; w < STEP_WORDS; w++) {
                            for (unsigned long long word = both[w]; word; word &= word - 1) {
                                steps[count++] = (unsigned short)(w * 64 + __builtin_ctzll(word));
                            }
                        }
                        if (keep) {
                            walkKind[bPanel] = 0;
                            walkCount[bPanel] = count;
                            memcpy(walkOfB[bPanel], steps, (size_t)count * sizeof(unsigned short));
                        }
                        listed(count, steps, panels + ir * kc, packedB + jr * kc, alpha, c + (i0 + ir) * ldc + j0 + jr, ldc,
                               rows, columns, add);
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

/// The product with the instruction set `isa` (AVX-512 or AVX2; another computes nothing): 1 when done, 0 when not
/// (`isa` beyond this CPU, an empty product, no packing buffers). A prepacked A has AVX-512's panels.
static int sgemm_isa(int isa, int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                     const float *b, long ldb, row_map map, int accumulate, float *c, long ldc, const float *prepackedA,
                     int skipZeros, const int *neededFrom, const int *neededTo) {
    if (isa < isa_avx2 || isa > tandem_cpu_isa() || (isa == isa_avx2 && prepackedA)) return 0;
    if (m <= 0 || n <= 0 || k <= 0 || !thread_buffers()) return 0;
    if (isa == isa_avx512) {
        sgemm_blocked(MR, NR, kernel_12x32, kernel_12x32_steps, NULL, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, map,
                      accumulate, c, ldc, prepackedA, thread_packed_a, thread_packed_b, skipZeros, neededFrom, neededTo);
    } else {
        sgemm_blocked(MR2, NR2, kernel_6x16, kernel_6x16_steps, kernel_6x16_runs, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, map,
                      accumulate, c, ldc, NULL, thread_packed_a, thread_packed_b, skipZeros, neededFrom, neededTo);
    }
    return 1;
}

/// The instruction set of the dense products (`tandem_sgemm`, the convolutions): AVX-512 only. On an AVX2 host (Zen 3,
/// single thread) the 6×16 tile ran the harmonic model's three products in 0.95–1.04× OpenBLAS's time and network
/// shapes (TimeSformer's 1576×768×768, Whisper's 1500×384×1536, …) in 0.9–1.15× where the shared machine let it be
/// measured (session 19, `sepavx2`): no gain, so there the dense products, the networks' among them, stay in OpenBLAS,
/// and only the products that skip work (zero steps, unwanted tiles) use Tandem's kernel.
static int dense_isa(void) { return tandem_cpu_isa() == isa_avx512 ? isa_avx512 : isa_portable; }

/// The instruction set of the products that skip work: the widest the CPU has.
static int skipping_isa(void) { return tandem_cpu_isa(); }

int tandem_sgemm(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                 const float *b, long ldb, int accumulate, float *c, long ldc) {
    return sgemm_isa(dense_isa(), transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, (row_map){0, 0}, accumulate, c,
                     ldc, NULL, 0, NULL, NULL);
}

int tandem_sgemm_sparse(int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                        const float *b, long ldb, int accumulate, float *c, long ldc) {
    return sgemm_isa(skipping_isa(), transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, (row_map){0, 0}, accumulate, c,
                     ldc, NULL, 1, NULL, NULL);
}

int tandem_sgemm_rows_needed(int transposeA, int transposeB, long m, long n, long k, const float *a, long lda, const float *b,
                             long ldb, const int *neededFrom, const int *neededTo, float *c, long ldc) {
    return sgemm_isa(skipping_isa(), transposeA, transposeB, m, n, k, 1, a, lda, b, ldb, (row_map){0, 0}, 0, c, ldc, NULL, 0,
                     neededFrom, neededTo);
}

int tandem_sgemm_isa(int isa, int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                     const float *b, long ldb, int accumulate, float *c, long ldc, int skipZeros, const int *neededFrom,
                     const int *neededTo) {
    return sgemm_isa(isa, transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, (row_map){0, 0}, accumulate, c, ldc, NULL,
                     skipZeros, neededFrom, neededTo);
}

int tandem_conv1d_gemm(long outputs, long n, long channels, long taps, long dilation, const float *weight,
                       const float *packedWeight, const float *signal, long ldSignal, int accumulate, float *c, long ldc) {
    if (channels <= 0 || taps <= 0) return 0;
    return sgemm_isa(dense_isa(), 0, 0, outputs, n, channels * taps, 1, weight, channels * taps, signal, ldSignal,
                     (row_map){taps, dilation}, accumulate, c, ldc, packedWeight, 0, NULL, NULL);
}

long tandem_sgemm_packed_a_count(long m, long k) {
    if (dense_isa() != isa_avx512 || m <= 0 || k <= 0) return 0;
    return (m + MR - 1) / MR * MR * k;
}

void tandem_sgemm_pack_a(int transposeA, long m, long k, const float *a, long lda, float *packed) {
    // Slice by slice of k, every row panel: the layout `sgemm_blocked` reads AVX-512's prepacked panels from.
    long paddedM = (m + MR - 1) / MR * MR;
    for (long p0 = 0; p0 < k; p0 += KC) {
        long kc = k - p0 < KC ? k - p0 : KC;
        pack_a(MR, a, lda, transposeA, 0, m, p0, kc, packed + p0 * paddedM);
    }
}

int tandem_sgemm_prepacked(long m, long n, long k, float alpha, const float *packedA, int transposeB,
                           const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (dense_isa() != isa_avx512) return 0;
    return sgemm_isa(isa_avx512, 0, transposeB, m, n, k, alpha, NULL, 0, b, ldb, (row_map){0, 0}, accumulate, c, ldc, packedA,
                     0, NULL, NULL);
}

#else
int tandem_sgemm_isa(int isa, int transposeA, int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                     const float *b, long ldb, int accumulate, float *c, long ldc, int skipZeros, const int *neededFrom,
                     const int *neededTo) {
    return 0;
}
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
