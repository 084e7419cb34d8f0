// fp32 GEMM: Goto-style blocking around register-blocked micro-kernels, one kernel per instruction set.
//
// C[m x n] = alpha * op(A) * op(B) + beta * C, row-major. For each NC-column block of op(B) and KC-deep slice of k,
// the block of op(B) is packed into NR-column panels (panel q: kc rows of NR floats, zero-padded), which stays in
// L2; for each MC-row block of op(A), the block is packed into MR-row panels (panel: kc columns of MR floats),
// and each A panel (in L1) meets every B panel of the block in the micro-kernel, which keeps an MR x NR tile
// of C in registers for the whole kc loop and adds it into C once. C is read only after the first k slice
// when beta != 0, so beta == 0 never reads C.
//
// Micro-tiles: AVX-512F 12 x 32 (24 zmm accumulators, two B vectors, A broadcast from memory), AVX2 + FMA
// 6 x 16 (12 ymm accumulators), portable C 4 x 16. Dispatch is by rt_cpu_features (CPUID and XGETBV).
#include "CKernels.h"
#include "rt_bf16_rounding.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Adds a micro-tile into C: kc-deep product of one A panel (kc x MR) and one B panel (kc x NR), of which the
/// top-left mr x nr part is C's; first: C = alpha * t + beta * C (beta == 0: C = alpha * t), later: C += alpha * t.
typedef void (*micro_kernel)(long kc, const float *a, const float *b, float *c, long ldc, long mr, long nr,
                             float alpha, float beta, int first);
/// Packs `rows` rows (< one block) of X into panels of the kernel's width W: dst[q * W * kc + p * W + r] =
/// X(q * W + r, p), zero for rows past `rows`; X(r, p) = x[r * ld + p] when `k_contiguous`, else x[p * ld + r].
typedef void (*pack_fn)(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst);

/// One kernel's tile and block sizes and functions.
typedef struct {
    long mr, nr;        // micro-tile
    long kc, mc, nc;    // blocks: k slice, rows of op(A), columns of op(B) (multiples of mr and nr)
    pack_fn pack_a, pack_b;
    micro_kernel kernel;
} gemm_kernel;

// MARK: - Driver

/// A per-thread packing buffer (index 0: A block, 1: B block), grown on demand and kept for the thread's life:
/// GEMMs run on a few long-lived worker threads, so each allocates its buffers once.
static float *scratch(int which, size_t floats) {
    static _Thread_local float *buffers[2];
    static _Thread_local size_t capacity[2];
    if (capacity[which] < floats) {
        free(buffers[which]);
        buffers[which] = aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
        if (!buffers[which]) abort();
        capacity[which] = floats;
    }
    return buffers[which];
}

/// C = beta * C (zero when beta == 0, without reading C).
static void scale_c(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0) memset(row, 0, (size_t)n * sizeof(float));
        else for (long j = 0; j < n; j++) row[j] *= beta;
    }
}

static void gemm_blocked(const gemm_kernel *g, int ta, int tb, long m, long n, long k, float alpha,
                         const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    long kc_max = k < g->kc ? k : g->kc;
    long mc_max = m < g->mc ? (m + g->mr - 1) / g->mr * g->mr : g->mc;
    long nc_max = n < g->nc ? (n + g->nr - 1) / g->nr * g->nr : g->nc;
    float *abuf = scratch(0, (size_t)mc_max * kc_max), *bbuf = scratch(1, (size_t)nc_max * kc_max);
    for (long jc = 0; jc < n; jc += g->nc) {
        long nc = n - jc < g->nc ? n - jc : g->nc;
        for (long pc = 0; pc < k; pc += g->kc) {
            long kc = k - pc < g->kc ? k - pc : g->kc;
            // op(B)(p, j) is B[p][j], or B[j][p] when transposed: the packed rows are op(B)'s columns.
            g->pack_b(nc, kc, tb ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, tb, bbuf);
            for (long ic = 0; ic < m; ic += g->mc) {
                long mc = m - ic < g->mc ? m - ic : g->mc;
                g->pack_a(mc, kc, ta ? a + pc * lda + ic : a + ic * lda + pc, lda, !ta, abuf);
                for (long ir = 0; ir < mc; ir += g->mr) {
                    long mr = mc - ir < g->mr ? mc - ir : g->mr;
                    for (long jr = 0; jr < nc; jr += g->nr) {
                        long nr = nc - jr < g->nr ? nc - jr : g->nr;
                        g->kernel(kc, abuf + ir * kc, bbuf + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc, mr, nr,
                                  alpha, beta, pc == 0);
                    }
                }
            }
        }
    }
}

// MARK: - Portable

/// Packing for any panel width W, in plain C.
static inline __attribute__((always_inline)) void pack_generic(long w, long rows, long kc, const float *x, long ld,
                                                               int k_contiguous, float *dst) {
    for (long r0 = 0; r0 < rows; r0 += w, dst += w * kc) {
        long count = rows - r0 < w ? rows - r0 : w;
        if (k_contiguous) {
            for (long r = 0; r < w; r++) {
                const float *src = x + (r0 + r) * ld;
                if (r < count) for (long p = 0; p < kc; p++) dst[p * w + r] = src[p];
                else for (long p = 0; p < kc; p++) dst[p * w + r] = 0;
            }
        } else {
            for (long p = 0; p < kc; p++) {
                const float *src = x + p * ld + r0;
                for (long r = 0; r < w; r++) dst[p * w + r] = r < count ? src[r] : 0;
            }
        }
    }
}

/// Writes an MR x NR tile computed in memory (row stride NR) into C, as `micro_kernel` specifies.
static inline __attribute__((always_inline)) void store_tile(long nr_full, const float *t, float *c, long ldc,
                                                             long mr, long nr, float alpha, float beta, int first) {
    for (long r = 0; r < mr; r++) {
        float *row = c + r * ldc;
        const float *src = t + r * nr_full;
        if (!first) for (long j = 0; j < nr; j++) row[j] += alpha * src[j];
        else if (beta == 0) for (long j = 0; j < nr; j++) row[j] = alpha * src[j];
        else for (long j = 0; j < nr; j++) row[j] = alpha * src[j] + beta * row[j];
    }
}

#define PORTABLE_MR 4
#define PORTABLE_NR 16

static void pack_portable_a(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst) {
    pack_generic(PORTABLE_MR, rows, kc, x, ld, k_contiguous, dst);
}

static void pack_portable_b(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst) {
    pack_generic(PORTABLE_NR, rows, kc, x, ld, k_contiguous, dst);
}

static void kernel_portable(long kc, const float *a, const float *b, float *c, long ldc, long mr, long nr,
                            float alpha, float beta, int first) {
    float acc[PORTABLE_MR * PORTABLE_NR] = {0};
    for (long p = 0; p < kc; p++) {
        const float *bp = b + p * PORTABLE_NR;
        for (long r = 0; r < PORTABLE_MR; r++) {
            float ar = a[p * PORTABLE_MR + r];
            for (long j = 0; j < PORTABLE_NR; j++) acc[r * PORTABLE_NR + j] += ar * bp[j];
        }
    }
    store_tile(PORTABLE_NR, acc, c, ldc, mr, nr, alpha, beta, first);
}

static const gemm_kernel portable_kernel = {
    PORTABLE_MR, PORTABLE_NR, 256, PORTABLE_MR * 64, PORTABLE_NR * 64,
    pack_portable_a, pack_portable_b, kernel_portable,
};

#if defined(__x86_64__)

// MARK: - AVX2 + FMA

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX2_MR 6
#define AVX2_NR 16

static void pack_avx2_a(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst) {
    pack_generic(AVX2_MR, rows, kc, x, ld, k_contiguous, dst);
}

AVX2 static void pack_avx2_b(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst) {
    pack_generic(AVX2_NR, rows, kc, x, ld, k_contiguous, dst);
}

/// Lanes below `count` set (count clamped to 0..8).
AVX2 static inline __m256i lanes_below(long count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count < 0 ? 0 : count > 8 ? 8 : count)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2 static void kernel_avx2(long kc, const float *a, const float *b, float *c, long ldc, long mr, long nr,
                             float alpha, float beta, int first) {
    __m256 acc0[AVX2_MR], acc1[AVX2_MR];
    for (int r = 0; r < AVX2_MR; r++) acc0[r] = acc1[r] = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b + p * AVX2_NR), b1 = _mm256_load_ps(b + p * AVX2_NR + 8);
        for (int r = 0; r < AVX2_MR; r++) {
            __m256 av = _mm256_broadcast_ss(a + p * AVX2_MR + r);
            acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
        }
    }
    __m256i m0 = lanes_below(nr), m1 = lanes_below(nr - 8);
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    int mode = !first ? 2 : beta != 0;   // 0: overwrite, 1: scale C by beta, 2: accumulate
    for (int r = 0; r < AVX2_MR; r++) {
        if (r >= mr) break;
        float *row = c + r * ldc;
        __m256 v0 = _mm256_mul_ps(acc0[r], va), v1 = _mm256_mul_ps(acc1[r], va);
        if (mode == 1) {
            v0 = _mm256_fmadd_ps(_mm256_maskload_ps(row, m0), vb, v0);
            v1 = _mm256_fmadd_ps(_mm256_maskload_ps(row + 8, m1), vb, v1);
        } else if (mode == 2) {
            v0 = _mm256_add_ps(_mm256_maskload_ps(row, m0), v0);
            v1 = _mm256_add_ps(_mm256_maskload_ps(row + 8, m1), v1);
        }
        _mm256_maskstore_ps(row, m0, v0);
        _mm256_maskstore_ps(row + 8, m1, v1);
    }
}

static const gemm_kernel avx2_kernel = {
    AVX2_MR, AVX2_NR, 256, AVX2_MR * 48, AVX2_NR * 48,
    pack_avx2_a, pack_avx2_b, kernel_avx2,
};

// MARK: - AVX-512F

#define AVX512 __attribute__((target("avx512f")))
#define AVX512_MR 12
#define AVX512_KC 384   // one A panel (12 x 384 floats, 18 KB) stays in L1 ...
#define AVX512_NC 512   // ... while it meets the whole 384 x 512 block of B (768 KB) from L2
#define AVX512_NR 32

/// Lanes below `count` set (count clamped to 0..16).
static inline __mmask16 lanes_mask(long count) {
    return count >= 16 ? (__mmask16)0xffff : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/// Transposes a 16 x 16 block of floats held as 16 rows.
AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);       // per 128-bit lane: r_i0 r_{i+1}0 r_i1 r_{i+1}1
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {   // u[g + j], lane L: rows g..g+3 of column 4L + j
        u[g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
        u[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
    }
    for (int j = 0; j < 4; j++) {
        __m512 a = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), b = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xdd);
        __m512 c = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88), d = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xdd);
        r[j] = _mm512_shuffle_f32x4(a, c, 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(a, c, 0xdd);
        r[4 + j] = _mm512_shuffle_f32x4(b, d, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(b, d, 0xdd);
    }
}

/// Rounds 16 floats to bf16 and back (rt_bf16_rounding.h).
AVX512 static inline __m512 round_bf16_avx512(__m512 v) {
    return _mm512_castsi512_ps(_mm512_and_si512(rt_round_bf16_bits_avx512(v), _mm512_set1_epi32((int)0xffff0000)));
}

/// `pack_fn` for width W with AVX-512: k-contiguous rows go through 16 x 16 transposes, others are row copies.
/// With `round_bf16` every value is rounded to bf16 on the way (the widened bf16 path's B).
AVX512 static inline __attribute__((always_inline)) void pack_avx512(long w, long rows, long kc, const float *x,
                                                                     long ld, int k_contiguous, float *dst,
                                                                     int round_bf16) {
    for (long r0 = 0; r0 < rows; r0 += w, dst += w * kc) {
        long count = rows - r0 < w ? rows - r0 : w;
        if (!k_contiguous) {
            for (long p = 0; p < kc; p++) {
                const float *src = x + p * ld + r0;
                for (long g = 0; g < w; g += 16) {
                    __mmask16 store = lanes_mask(w - g);
                    __m512 v = _mm512_maskz_loadu_ps(lanes_mask(count - g), src + g);
                    _mm512_mask_storeu_ps(dst + p * w + g, store, round_bf16 ? round_bf16_avx512(v) : v);
                }
            }
            continue;
        }
        for (long g = 0; g < w; g += 16) {
            long group = count - g < 16 ? count - g : 16;   // rows of this group that exist (may be <= 0)
            __mmask16 store = lanes_mask(w - g);
            for (long p = 0; p < kc; p += 16) {
                __mmask16 load = lanes_mask(kc - p);
                __m512 v[16];
                for (long r = 0; r < 16; r++)
                    v[r] = r < group ? _mm512_maskz_loadu_ps(load, x + (r0 + g + r) * ld + p) : _mm512_setzero_ps();
                if (round_bf16)
                    for (long r = 0; r < 16; r++) v[r] = round_bf16_avx512(v[r]);
                transpose16(v);
                long depth = kc - p < 16 ? kc - p : 16;
                for (long t = 0; t < depth; t++) _mm512_mask_storeu_ps(dst + (p + t) * w + g, store, v[t]);
            }
        }
    }
}

AVX512 static void pack_avx512_a(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst) {
    pack_avx512(AVX512_MR, rows, kc, x, ld, k_contiguous, dst, 0);
}

AVX512 static void pack_avx512_b(long rows, long kc, const float *x, long ld, int k_contiguous, float *dst) {
    pack_avx512(AVX512_NR, rows, kc, x, ld, k_contiguous, dst, 0);
}

/// Writes a 12 x 32 tile held in registers into C with element (r, j) at c[r * rs + j * cs], as `micro_kernel`
/// specifies (first: C = alpha * t + beta * C, later C += alpha * t). With rs == 1 (C stored transposed) each
/// tile column is one masked vector store.
AVX512 static void store_tile_strided_avx512(const __m512 *acc0, const __m512 *acc1, float *c, long rs, long cs,
                                             long mr, long nr, float alpha, float beta, int first) {
    float tile[AVX512_MR * AVX512_NR] __attribute__((aligned(64)));
    __m512 va = _mm512_set1_ps(alpha);
    for (int r = 0; r < AVX512_MR; r++) {
        _mm512_store_ps(tile + r * AVX512_NR, _mm512_mul_ps(acc0[r], va));
        _mm512_store_ps(tile + r * AVX512_NR + 16, _mm512_mul_ps(acc1[r], va));
    }
    int mode = !first ? 2 : beta != 0;   // 0: overwrite, 1: scale C by beta, 2: accumulate
    if (rs != 1) {
        for (long r = 0; r < mr; r++)
            for (long j = 0; j < nr; j++) {
                float *d = c + r * rs + j * cs, t = tile[r * AVX512_NR + j];
                *d = mode == 0 ? t : mode == 1 ? t + beta * *d : *d + t;
            }
        return;
    }
    const __m512i rows = _mm512_setr_epi32(0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 0, 0, 0, 0);
    __mmask16 rmask = lanes_mask(mr);
    __m512 vb = _mm512_set1_ps(beta);
    for (long j = 0; j < nr; j++) {
        float *col = c + j * cs;
        __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), rmask, rows, tile + j, 4);
        if (mode == 1) v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rmask, col), vb, v);
        else if (mode == 2) v = _mm512_add_ps(_mm512_maskz_loadu_ps(rmask, col), v);
        _mm512_mask_storeu_ps(col, rmask, v);
    }
}

/// The 12 x (16 * vectors) micro-kernel; vectors == 1 serves tiles at most 16 columns wide without idle FMAs.
/// C's element (r, j) is c[r * ldc + j * cs]; cs is 1 except on the widened bf16 path.
AVX512 static inline __attribute__((always_inline)) void tile_avx512(int vectors, long kc, const float *a,
                                                                     const float *b, float *c, long ldc, long cs,
                                                                     long mr, long nr, float alpha, float beta,
                                                                     int first) {
    __m512 acc0[AVX512_MR], acc1[AVX512_MR];
    for (int r = 0; r < AVX512_MR; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
#pragma clang loop unroll_count(4)
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(b + p * AVX512_NR);
        __m512 b1 = vectors > 1 ? _mm512_load_ps(b + p * AVX512_NR + 16) : b0;
        for (int r = 0; r < AVX512_MR; r++) {
            __m512 av = _mm512_set1_ps(a[p * AVX512_MR + r]);
            acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            if (vectors > 1) acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
        }
    }
    if (cs != 1) {
        store_tile_strided_avx512(acc0, acc1, c, ldc, cs, mr, nr, alpha, beta, first);
        return;
    }
    __mmask16 m0 = lanes_mask(nr), m1 = lanes_mask(nr - 16);
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    int mode = !first ? 2 : beta != 0;   // 0: overwrite, 1: scale C by beta, 2: accumulate
    for (int r = 0; r < AVX512_MR; r++) {
        if (r >= mr) break;
        float *row = c + r * ldc;
        __m512 v0 = _mm512_mul_ps(acc0[r], va), v1 = _mm512_mul_ps(acc1[r], va);
        if (mode == 1) {
            v0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, row), vb, v0);
            if (vectors > 1) v1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, row + 16), vb, v1);
        } else if (mode == 2) {
            v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), v0);
            if (vectors > 1) v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), v1);
        }
        _mm512_mask_storeu_ps(row, m0, v0);
        if (vectors > 1) _mm512_mask_storeu_ps(row + 16, m1, v1);
    }
}

AVX512 static void kernel_avx512(long kc, const float *a, const float *b, float *c, long ldc, long mr, long nr,
                                 float alpha, float beta, int first) {
    if (nr > 16) tile_avx512(2, kc, a, b, c, ldc, 1, mr, nr, alpha, beta, first);
    else tile_avx512(1, kc, a, b, c, ldc, 1, mr, nr, alpha, beta, first);
}

static const gemm_kernel avx512_kernel = {
    AVX512_MR, AVX512_NR, AVX512_KC, AVX512_MR * 32, AVX512_NC,
    pack_avx512_a, pack_avx512_b, kernel_avx512,
};

// MARK: - bf16 weights on the AVX-512F kernel (the widened bf16 path)

/// Widens `rows` rows (whole 12-row panels, the last zero-padded) of bf16 k-pair panels, starting at pair
/// `pair0` of each panel, into the AVX-512 kernel's A panels (kc x 12 floats each). A bf16 is the top half of
/// its float, so widening is a shift (even k) or a mask (odd k).
AVX512 static void widen_a_avx512(long rows, long kc, const uint32_t *panels, long panel_pairs, long pair0,
                                  float *dst) {
    const __mmask16 twelve = 0x0fff;
    const __m512i high = _mm512_set1_epi32((int)0xffff0000);
    for (long r0 = 0; r0 < rows; r0 += AVX512_MR, dst += AVX512_MR * kc) {
        const uint32_t *src = panels + ((r0 / AVX512_MR) * panel_pairs + pair0) * AVX512_MR;
        for (long p = 0; 2 * p < kc; p++) {
            __m512i v = _mm512_maskz_loadu_epi32(twelve, src + p * AVX512_MR);
            _mm512_mask_storeu_ps(dst + 2 * p * AVX512_MR, twelve, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
            if (2 * p + 1 < kc)
                _mm512_mask_storeu_ps(dst + (2 * p + 1) * AVX512_MR, twelve,
                                      _mm512_castsi512_ps(_mm512_and_si512(v, high)));
        }
    }
}

AVX512 static void gemm_bf16_panels_avx512(long m, long n, long k, const uint32_t *a_panels, long panel_pairs,
                                           const float *b, long ldb, int tb, float beta, float *c, long rs, long cs) {
    const long kc_block = AVX512_KC, mc_block = AVX512_MR * 32, nc_block = AVX512_NC;   // kc_block is even
    long kc_max = k < kc_block ? k : kc_block;
    long mc_max = m < mc_block ? (m + AVX512_MR - 1) / AVX512_MR * AVX512_MR : mc_block;
    long nc_max = n < nc_block ? (n + AVX512_NR - 1) / AVX512_NR * AVX512_NR : nc_block;
    float *abuf = scratch(0, (size_t)mc_max * kc_max), *bbuf = scratch(1, (size_t)nc_max * kc_max);
    for (long jc = 0; jc < n; jc += nc_block) {
        long nc = n - jc < nc_block ? n - jc : nc_block;
        for (long pc = 0; pc < k; pc += kc_block) {
            long kc = k - pc < kc_block ? k - pc : kc_block;
            pack_avx512(AVX512_NR, nc, kc, tb ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, tb, bbuf, 1);
            for (long ic = 0; ic < m; ic += mc_block) {
                long mc = m - ic < mc_block ? m - ic : mc_block;
                widen_a_avx512(mc, kc, a_panels + (ic / AVX512_MR) * panel_pairs * AVX512_MR, panel_pairs, pc / 2,
                               abuf);
                for (long ir = 0; ir < mc; ir += AVX512_MR) {
                    long mr = mc - ir < AVX512_MR ? mc - ir : AVX512_MR;
                    for (long jr = 0; jr < nc; jr += AVX512_NR) {
                        long nr = nc - jr < AVX512_NR ? nc - jr : AVX512_NR;
                        const float *ap = abuf + ir * kc, *bp = bbuf + jr * kc;
                        float *cp = c + (ic + ir) * rs + (jc + jr) * cs;
                        if (nr > 16) tile_avx512(2, kc, ap, bp, cp, rs, cs, mr, nr, 1, beta, pc == 0);
                        else tile_avx512(1, kc, ap, bp, cp, rs, cs, mr, nr, 1, beta, pc == 0);
                    }
                }
            }
        }
    }
}

#endif

// MARK: - Dispatch

int rt_gemm_f32_supported(rt_gemm_f32_kernel kernel) {
    unsigned int f = rt_cpu_features();
    switch (kernel) {
    case RT_GEMM_F32_PORTABLE: return 1;
    case RT_GEMM_F32_AVX2: return (f & (RT_CPU_AVX2 | RT_CPU_FMA)) == (RT_CPU_AVX2 | RT_CPU_FMA);
    case RT_GEMM_F32_AVX512: return (f & RT_CPU_AVX512F) != 0;
    }
    return 0;
}

rt_gemm_f32_kernel rt_gemm_f32_best(void) {
    if (rt_gemm_f32_supported(RT_GEMM_F32_AVX512)) return RT_GEMM_F32_AVX512;
    if (rt_gemm_f32_supported(RT_GEMM_F32_AVX2)) return RT_GEMM_F32_AVX2;
    return RT_GEMM_F32_PORTABLE;
}

void rt_gemm_f32(rt_gemm_f32_kernel kernel, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
                 const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    const gemm_kernel *g = &portable_kernel;
#if defined(__x86_64__)
    if (rt_gemm_f32_supported(kernel)) {
        if (kernel == RT_GEMM_F32_AVX512) g = &avx512_kernel;
        else if (kernel == RT_GEMM_F32_AVX2) g = &avx2_kernel;
    }
#endif
    gemm_blocked(g, transpose_a != 0, transpose_b != 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void rt_gemm_f32_bf16_panels(long m, long n, long k, const uint32_t *a_panels, long panel_pairs, const float *b,
                             long ldb, int transpose_b, float beta, float *c, long c_row_stride, long c_col_stride) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) {
                float *d = c + i * c_row_stride + j * c_col_stride;
                *d = beta == 0 ? 0 : beta * *d;
            }
        return;
    }
#if defined(__x86_64__)
    if (rt_gemm_f32_supported(RT_GEMM_F32_AVX512)) {
        gemm_bf16_panels_avx512(m, n, k, a_panels, panel_pairs, b, ldb, transpose_b != 0, beta, c, c_row_stride,
                                c_col_stride);
        return;
    }
#endif
    abort();
}
