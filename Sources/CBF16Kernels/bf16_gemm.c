// bf16 GEMM: packed bf16 A panels x fp32 B (converted to bf16 per block), fp32 accumulation.
//
// Blocking (Goto style): for each NC-column block of B and KC-deep slice of k, B is converted into NR-wide
// bf16 panels in a per-thread buffer (L2-sized); then every MR x NR tile of C is computed by a register-blocked
// micro-kernel. A is packed as MR-row panels of k-pairs, so one 32-bit load gives the two bf16 values that
// `vdpbf16ps` multiplies with a pair of B rows. The AVX-512 micro-kernel holds MR x 2 zmm accumulators
// (12 rows x 32 columns), broadcasting A pairs and loading B pairs as vectors.
#include "CBF16Kernels.h"
#include "bf16_internal.h"
#include "rt_bf16_rounding.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define MR 12           // rows of C per micro-tile (A panel height)
#define NR 32           // columns of C per micro-tile (B panel width: two zmm of 16 fp32)
#define KC 256          // k per block (even): one B panel (KC/2 pairs x NR) is 16 KB, inside L1
#define NC 512          // columns of B converted per block
#define MC (MR * 64)    // rows of A per block (768): MC x KC bf16 (384 KB) stays in L2

// MARK: - bf16 conversion

float rt_bf16_round(float x) { return from_bf16(to_bf16(x)); }

// MARK: - Packing A

long rt_bf16_panel_rows(void) { return MR; }

size_t rt_bf16_panel_stride(long k) { return (size_t)((k + 1) & ~1L) * MR; }

size_t rt_bf16_packed_count(long m, long k) { return (size_t)((m + MR - 1) / MR) * rt_bf16_panel_stride(k); }

#if defined(__x86_64__)
/// rt_bf16_pack with AVX-512: per panel and 16 k-pairs, each row's 32 floats become 16 bf16 pairs (a pair is two
/// neighbouring k values, so it is one row's two rounded floats side by side), and a 16 x 16 transpose turns rows
/// into the panel's pair-major order. Bit-identical to the scalar loop.
AVX512BF16 static void pack_a_avx512(long m, long k, const float *a, long lda, uint16_t *packed) {
    long pairs = (k + 1) / 2, panels = (m + MR - 1) / MR;
    for (long panel = 0; panel < panels; panel++) {
        uint32_t *out = (uint32_t *)(packed + panel * rt_bf16_panel_stride(k));
        long rows = m - panel * MR < MR ? m - panel * MR : MR;
        for (long p0 = 0; p0 < pairs; p0 += 16) {
            __mmask16 m0 = column_mask(k - 2 * p0), m1 = column_mask(k - 2 * p0 - 16);
            __m512i v[16];
            for (long r = 0; r < 16; r++) {
                v[r] = _mm512_setzero_si512();
                if (r >= rows) continue;
                const float *src = a + (panel * MR + r) * lda + 2 * p0;
                __m512i lo = rt_round_bf16_bits_avx512(_mm512_maskz_loadu_ps(m0, src));
                __m512i hi = rt_round_bf16_bits_avx512(_mm512_maskz_loadu_ps(m1, src + 16));
                __m256i lo16 = _mm512_cvtepi32_epi16(_mm512_srli_epi32(lo, 16));
                __m256i hi16 = _mm512_cvtepi32_epi16(_mm512_srli_epi32(hi, 16));
                v[r] = _mm512_inserti64x4(_mm512_castsi256_si512(lo16), hi16, 1);   // 16 pairs of row r
            }
            transpose16(v);   // v[t]: pair p0 + t of rows 0..15
            long count = pairs - p0 < 16 ? pairs - p0 : 16;
            for (long t = 0; t < count; t++) _mm512_mask_storeu_epi32(out + (p0 + t) * MR, 0x0fff, v[t]);
        }
    }
}
#endif

void rt_bf16_pack(long m, long k, const float *a, long lda, uint16_t *packed) {
#if defined(__x86_64__)
    if (rt_bf16_supported()) {
        pack_a_avx512(m, k, a, lda, packed);
        return;
    }
#endif
    long pairs = (k + 1) / 2, panels = (m + MR - 1) / MR;
    for (long panel = 0; panel < panels; panel++) {
        uint16_t *out = packed + panel * rt_bf16_panel_stride(k);
        for (long p = 0; p < pairs; p++) {
            for (long r = 0; r < MR; r++) {
                long row = panel * MR + r;
                uint16_t lo = 0, hi = 0;
                if (row < m) {
                    lo = to_bf16(a[row * lda + 2 * p]);
                    if (2 * p + 1 < k) hi = to_bf16(a[row * lda + 2 * p + 1]);
                }
                out[(p * MR + r) * 2 + 0] = lo;
                out[(p * MR + r) * 2 + 1] = hi;
            }
        }
    }
}

// MARK: - Shared pieces

/// Packed B panel layout: for panel q (columns q*NR ..), pair p, column j: uint32 at [(q * pairs + p) * NR + j],
/// low half B[2p][j], high half B[2p+1][j]; zero beyond k and beyond the block's columns.
typedef void (*pack_b_fn)(long kc, long nc, const float *b, long ldb, int transposed, uint32_t *dst);
typedef void (*kernel_fn)(long pairs, const uint32_t *a, const uint32_t *b, float *c, long rs, long cs,
                          long mr, long nr, int first, float beta);

/// Adds an MR x NR tile (row-major, NR wide) into C: C = beta*C + t on the first k block, C += t after.
static void store_tile(const float *t, float *c, long rs, long cs, long mr, long nr, int first, float beta) {
    for (long r = 0; r < mr; r++) {
        for (long j = 0; j < nr; j++) {
            float *d = c + r * rs + j * cs;
            float v = t[r * NR + j];
            if (!first) {
                v = *d + v;
            } else if (beta != 0) {
                float s = beta * *d;
                v = s + v;
            }
            *d = v;
        }
    }
}

static void pack_b_portable(long kc, long nc, const float *b, long ldb, int transposed, uint32_t *dst) {
    long pairs = (kc + 1) / 2, panels = (nc + NR - 1) / NR;
    for (long q = 0; q < panels; q++) {
        for (long p = 0; p < pairs; p++) {
            for (long j = 0; j < NR; j++) {
                long col = q * NR + j;
                uint32_t lo = 0, hi = 0;
                if (col < nc) {
                    const float *x0 = transposed ? b + col * ldb + 2 * p : b + 2 * p * ldb + col;
                    lo = to_bf16(*x0);
                    if (2 * p + 1 < kc) hi = to_bf16(transposed ? x0[1] : x0[ldb]);
                }
                dst[(q * pairs + p) * NR + j] = lo | hi << 16;
            }
        }
    }
}

/// The portable micro-kernel: per pair, the odd product then the even one, as `vdpbf16ps` specifies.
static void kernel_portable(long pairs, const uint32_t *a, const uint32_t *b, float *c, long rs, long cs,
                            long mr, long nr, int first, float beta) {
    float acc[MR * NR] = {0};
    for (long p = 0; p < pairs; p++) {
        float blo[NR], bhi[NR];
        for (long j = 0; j < NR; j++) {
            blo[j] = from_bf16(b[p * NR + j]);
            bhi[j] = from_bf16(b[p * NR + j] >> 16);
        }
        for (long r = 0; r < MR; r++) {
            float alo = from_bf16(a[p * MR + r]), ahi = from_bf16(a[p * MR + r] >> 16);
            for (long j = 0; j < NR; j++) {
                float t = acc[r * NR + j] + ahi * bhi[j];
                acc[r * NR + j] = t + alo * blo[j];
            }
        }
    }
    store_tile(acc, c, rs, cs, mr, nr, first, beta);
}

/// The converted-B block, one per thread (about 270 KB), kept for the thread's lifetime: GEMMs run on the few
/// long-lived worker threads, so the buffer is allocated once per worker rather than once per call.
static uint32_t *thread_buffer(void) {
    static _Thread_local uint32_t *buffer;
    if (!buffer) buffer = aligned_alloc(64, (size_t)(NC + NR) * (KC / 2) * sizeof(uint32_t));
    if (!buffer) abort();
    return buffer;
}

static void gemm_driver(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb, int bt,
                        float *c, long rs, long cs, float beta, pack_b_fn pack, kernel_fn kernel) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        scale_c(m, n, c, rs, cs, beta);
        return;
    }
    const uint32_t *a32 = (const uint32_t *)packed_a;
    long all_pairs = (k + 1) / 2;
    uint32_t *bbuf = thread_buffer();
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC, pairs = (kc + 1) / 2;
            pack(kc, nc, bt ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, bt, bbuf);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                for (long jr = 0; jr < nc; jr += NR) {
                    const uint32_t *bp = bbuf + (jr / NR) * pairs * NR;
                    long nr = nc - jr < NR ? nc - jr : NR;
                    for (long ir = 0; ir < mc; ir += MR) {
                        long i = ic + ir, mr = mc - ir < MR ? mc - ir : MR;
                        const uint32_t *ap = a32 + ((i / MR) * all_pairs + pc / 2) * MR;
                        kernel(pairs, ap, bp, c + i * rs + (jc + jr) * cs, rs, cs, mr, nr, pc == 0, beta);
                    }
                }
            }
        }
    }
}

void rt_bf16_gemm_portable(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb,
                           int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta) {
    gemm_driver(m, n, k, packed_a, b, ldb, b_transposed, c, c_row_stride, c_col_stride, beta,
                pack_b_portable, kernel_portable);
}

// MARK: - AVX-512 BF16

#if defined(__x86_64__)

/// Converts two fp32 rows (16 columns each) into 16 interleaved bf16 pairs.
AVX512BF16 static inline __m512i pair_rows(__m512 r0, __m512 r1) {
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                                23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    __m512i both = (__m512i)_mm512_cvtne2ps_pbh(r1, r0);   // [bf16(r0) x16 | bf16(r1) x16]
    return _mm512_permutexvar_epi16(interleave, both);
}

AVX512BF16 void rt_bf16_pack_b_avx512(long kc, long nc, const float *b, long ldb, int transposed, uint32_t *dst,
                                      long pair_stride) {
    long pairs = (kc + 1) / 2, panels = (nc + NR - 1) / NR;
    if (!transposed) {
        for (long p = 0; p < pairs; p++) {
            const float *row0 = b + 2 * p * ldb, *row1 = row0 + ldb;
            int has1 = 2 * p + 1 < kc;
            for (long q = 0; q < panels; q++) {
                for (long h = 0; h < 2; h++) {
                    long col = q * NR + h * 16;
                    __mmask16 mask = column_mask(nc - col);
                    __m512 r0 = _mm512_maskz_loadu_ps(mask, row0 + col);
                    __m512 r1 = has1 ? _mm512_maskz_loadu_ps(mask, row1 + col) : _mm512_setzero_ps();
                    _mm512_store_si512(dst + (q * pair_stride + p) * NR + h * 16, pair_rows(r0, r1));
                }
            }
        }
        return;
    }
    // B stored n x k: each column's k values are contiguous. Convert 16 pairs of 16 columns, then transpose.
    for (long q = 0; q < panels; q++) {
        for (long p = 0; p < pairs; p += 16) {
            long count = pairs - p < 16 ? pairs - p : 16;
            __mmask16 m0 = column_mask(kc - 2 * p), m1 = column_mask(kc - 2 * p - 16);
            for (long h = 0; h < 2; h++) {
                __m512i v[16];
                for (long j = 0; j < 16; j++) {
                    long col = q * NR + h * 16 + j;
                    v[j] = _mm512_setzero_si512();
                    if (col < nc) {
                        const float *src = b + col * ldb + 2 * p;
                        __m512 lo = _mm512_maskz_loadu_ps(m0, src), hi = _mm512_maskz_loadu_ps(m1, src + 16);
                        v[j] = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);   // 16 pairs in k order
                    }
                }
                transpose16(v);
                for (long t = 0; t < count; t++) _mm512_store_si512(dst + (q * pair_stride + p + t) * NR + h * 16, v[t]);
            }
        }
    }
}

static void pack_b_avx(long kc, long nc, const float *b, long ldb, int transposed, uint32_t *dst) {
    rt_bf16_pack_b_avx512(kc, nc, b, ldb, transposed, dst, (kc + 1) / 2);
}

AVX512BF16 static void kernel_avx(long pairs, const uint32_t *a, const uint32_t *b, float *c, long rs, long cs,
                                  long mr, long nr, int first, float beta) {
    __m512 acc0[MR], acc1[MR];
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        acc0[r] = acc1[r] = _mm512_setzero_ps();
        if (r < mr && cs == 1) {   // C is read only after the k loop: start fetching it now
            _mm_prefetch((const char *)(c + r * rs), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + r * rs + NR - 1), _MM_HINT_T0);
        }
    }
    for (long p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_load_si512(b + p * NR);
        __m512bh b1 = (__m512bh)_mm512_load_si512(b + p * NR + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)a[p * MR + r]);
            acc0[r] = _mm512_dpbf16_ps(acc0[r], av, b0);
            acc1[r] = _mm512_dpbf16_ps(acc1[r], av, b1);
        }
    }
    if (cs != 1) {
        float tile[MR * NR] __attribute__((aligned(64)));
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            _mm512_store_ps(tile + r * NR, acc0[r]);
            _mm512_store_ps(tile + r * NR + 16, acc1[r]);
        }
        if (rs != 1) {
            store_tile(tile, c, rs, cs, mr, nr, first, beta);
            return;
        }
        // C stored transposed (column j contiguous): gather each tile column and write it as one vector.
        const __m512i rows = _mm512_set_epi32(15 * NR, 14 * NR, 13 * NR, 12 * NR, 11 * NR, 10 * NR, 9 * NR, 8 * NR,
                                              7 * NR, 6 * NR, 5 * NR, 4 * NR, 3 * NR, 2 * NR, NR, 0);
        __mmask16 rmask = column_mask(mr);
        __m512 scale = _mm512_set1_ps(first ? beta : 1);
        int overwrite = first && beta == 0;
        for (long j = 0; j < nr; j++) {
            float *col = c + j * cs;
            __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), rmask, rows, tile + j, 4);
            if (!overwrite) v = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(rmask, col), scale), v);
            _mm512_mask_storeu_ps(col, rmask, v);
        }
        return;
    }
    __mmask16 m0 = column_mask(nr), m1 = column_mask(nr - 16);
    __m512 scale = _mm512_set1_ps(first ? beta : 1);
    int overwrite = first && beta == 0;
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
        if (r < mr) {
            float *row = c + r * rs;
            __m512 v0 = acc0[r], v1 = acc1[r];
            if (!overwrite) {
                v0 = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m0, row), scale), v0);
                v1 = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m1, row + 16), scale), v1);
            }
            _mm512_mask_storeu_ps(row, m0, v0);
            _mm512_mask_storeu_ps(row + 16, m1, v1);
        }
    }
}

void rt_bf16_gemm_avx512(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb,
                         int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta) {
    gemm_driver(m, n, k, packed_a, b, ldb, b_transposed, c, c_row_stride, c_col_stride, beta, pack_b_avx, kernel_avx);
}

#endif
