// bf16 GEMM on AMX tiles (`tdpbf16ps`): packed bf16 A x fp32 B converted per block, fp32 accumulation.
//
// Tiles (palette 1): C in tmm0-3 as a 2 x 2 grid of 16 x 16 fp32 tiles (a 32 x 32 micro-tile), A rows in tmm4-5
// (16 rows x 16 k-pairs each), B in tmm6-7 (16 k-pairs x 16 columns, each element a pair: the VNNI layout).
// One k step is 32 values of k: 2 A loads, 2 B loads, 4 `tdpbf16ps`.
//
// A is packed once (at load) in 32-row panels; within a panel, k runs in steps of 16 pairs and each step holds
// two 1 KB tiles (rows 0-15, then rows 16-31), each row 16 pairs, so every A tile is one contiguous 1 KB load:
//     uint32 pair (row r of the panel, k-pair p) at [((p / 16) * 2 + r / 16) * 256 + (r % 16) * 16 + p % 16]
// k is zero-padded to a multiple of 32 and rows to whole panels. B is converted by the AVX-512 BF16 B packer into
// 32-column panels of pairs (rows of 128 bytes; a B tile is 16 such half rows, stride 128), with the pair count
// padded to a multiple of 16 by zero rows.
//
// Tile configuration is per-thread state: each thread loads it before its first product and keeps it (nothing
// else in the process uses tiles). Linux grants the tile data state per process on request (arch_prctl).
#include "CBF16Kernels.h"
#include "bf16_internal.h"
#include <stdlib.h>
#include <string.h>

#define AMX_MR 32        // rows per A panel and per micro-tile: two 16-row tiles
#define AMX_NR 32        // columns per B panel and per micro-tile: two 16-column tiles
#define AMX_KSTEP 32     // k per tile product (16 pairs)
#define AMX_KC 512       // k per block: one B panel (256 pairs x 32 columns) is 32 KB, inside L1
#define AMX_NC 512       // columns of B converted per block (512 KB of bf16 pairs, inside L2)
#define AMX_MC 256       // rows of A per block: 256 x 512 bf16 (256 KB) stays in L2 with the B block

static long round_up(long x, long to) { return (x + to - 1) / to * to; }

size_t rt_bf16_amx_panel_stride(long k) { return (size_t)AMX_MR * (size_t)round_up(k, AMX_KSTEP); }

size_t rt_bf16_amx_packed_count(long m, long k) {
    return (size_t)((m + AMX_MR - 1) / AMX_MR) * rt_bf16_amx_panel_stride(k);
}

/// The scalar packer (CPUs without AVX-512 BF16 never run the AMX kernel, but may pack for it in tests).
static void amx_pack_portable(long m, long k, const float *a, long lda, uint16_t *packed) {
    long pairs = round_up(k, AMX_KSTEP) / 2, panels = (m + AMX_MR - 1) / AMX_MR;
    for (long panel = 0; panel < panels; panel++) {
        uint32_t *out = (uint32_t *)(packed + panel * rt_bf16_amx_panel_stride(k));
        for (long r = 0; r < AMX_MR; r++) {
            long row = panel * AMX_MR + r;
            for (long p = 0; p < pairs; p++) {
                uint32_t lo = 0, hi = 0;
                if (row < m && 2 * p < k) {
                    lo = to_bf16(a[row * lda + 2 * p]);
                    if (2 * p + 1 < k) hi = to_bf16(a[row * lda + 2 * p + 1]);
                }
                out[((p / 16) * 2 + r / 16) * 256 + (r % 16) * 16 + p % 16] = lo | hi << 16;
            }
        }
    }
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <pthread.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define AMX __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bf16,avx512bw,avx512vl")))

// MARK: - Packing A

/// A tile row is 16 k-pairs, which are simply 32 consecutive values of k in bf16: each row converts with two
/// `vcvtneps2bf16` (the B packer's rounding), masked at the end of k; rows beyond m are zero.
AVX512BF16 static void amx_pack_avx512(long m, long k, const float *a, long lda, uint16_t *packed) {
    long steps = round_up(k, AMX_KSTEP) / AMX_KSTEP, panels = (m + AMX_MR - 1) / AMX_MR;
    for (long panel = 0; panel < panels; panel++) {
        uint16_t *out = packed + panel * rt_bf16_amx_panel_stride(k);
        for (long r = 0; r < AMX_MR; r++) {
            long row = panel * AMX_MR + r;
            const float *src = a + row * lda;
            for (long s = 0; s < steps; s++) {
                uint16_t *dst = out + ((s * 2 + r / 16) * 256 + (r % 16) * 16) * 2;
                if (row >= m) {
                    _mm512_storeu_si512(dst, _mm512_setzero_si512());
                    continue;
                }
                __mmask16 m0 = column_mask(k - s * AMX_KSTEP), m1 = column_mask(k - s * AMX_KSTEP - 16);
                __m256bh lo = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m0, src + s * AMX_KSTEP));
                __m256bh hi = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m1, src + s * AMX_KSTEP + 16));
                _mm256_storeu_si256((__m256i *)dst, (__m256i)lo);
                _mm256_storeu_si256((__m256i *)(dst + 16), (__m256i)hi);
            }
        }
    }
}

void rt_bf16_amx_pack(long m, long k, const float *a, long lda, uint16_t *packed) {
    if (rt_bf16_supported()) amx_pack_avx512(m, k, a, lda, packed);
    else amx_pack_portable(m, k, a, lda, packed);
}

// MARK: - Detection and permission

static int amx_usable;
static pthread_once_t amx_once = PTHREAD_ONCE_INIT;

static void detect_amx(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return;
    int tile = (edx >> 24) & 1, bf16 = (edx >> 22) & 1;
    int avx512bf16 = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && ((eax >> 5) & 1);
    if (!tile || !bf16 || !avx512bf16) return;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !((ecx >> 27) & 1)) return;   // OSXSAVE: xgetbv works
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0xe6) != 0xe6) return;   // the OS saves AVX-512 state (B packing and C stores use it)
#if defined(__linux__)
    // XTILECFG (bit 17) and XTILEDATA (bit 18) must be enabled in XCR0; Linux 5.16+ then grants XTILEDATA to
    // the process on request (ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18).
    if (((lo >> 17) & 3) != 3) return;
    if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) return;
    amx_usable = 1;
#endif
}

int rt_bf16_amx_usable(void) {
    pthread_once(&amx_once, detect_amx);
    return amx_usable;
}

// MARK: - Tile configuration

/// Palette-1 tile configuration (64 bytes, as LDTILECFG reads it).
struct tile_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
};

AMX static void configure_tiles(void) {
    static _Thread_local int configured;
    if (configured) return;
    struct tile_config config __attribute__((aligned(64)));
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {   // all eight tiles: 16 rows of 64 bytes
        config.rows[t] = 16;
        config.bytes_per_row[t] = 64;
    }
    _tile_loadconfig(&config);
    configured = 1;
}

// MARK: - Micro-kernel

/// Adds a 16 x 16 fp32 tile t (row-major) into C's rows x cols corner: C = beta*C + t on the first k block (C
/// not read when beta is 0), C += t after.
AVX512BF16 static void add_tile(const float *t, float *c, long rs, long cs, long rows, long cols, int first,
                                float beta) {
    __m512 scale = _mm512_set1_ps(first ? beta : 1);
    int overwrite = first && beta == 0;
    if (cs == 1) {
        __mmask16 mask = column_mask(cols);
        for (long r = 0; r < rows; r++) {
            __m512 v = _mm512_load_ps(t + 16 * r);
            if (!overwrite) v = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, c + r * rs), scale), v);
            _mm512_mask_storeu_ps(c + r * rs, mask, v);
        }
    } else if (rs == 1) {   // C stored transposed (linear layers, attention): write columns of the tile
        __m512i v[16];
        for (int r = 0; r < 16; r++) v[r] = _mm512_load_si512(t + 16 * r);
        transpose16(v);
        __mmask16 mask = column_mask(rows);
        for (long j = 0; j < cols; j++) {
            __m512 x = (__m512)v[j];
            if (!overwrite) x = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, c + j * cs), scale), x);
            _mm512_mask_storeu_ps(c + j * cs, mask, x);
        }
    } else {
        for (long r = 0; r < rows; r++) {
            for (long j = 0; j < cols; j++) {
                float *d = c + r * rs + j * cs;
                *d = overwrite ? t[16 * r + j] : *d * (first ? beta : 1) + t[16 * r + j];
            }
        }
    }
}

/// Whether C's 16 x 16 tile at (tile row i, tile column h) is loaded and stored straight from C: whole, rows
/// contiguous, and no beta scaling to apply.
static inline int direct_tile(long i, long h, long rs, long cs, long mr, long nr, int first, float beta) {
    (void)rs;
    return cs == 1 && 16 * i + 16 <= mr && 16 * h + 16 <= nr && (!first || beta == 0);
}

#define START_TILE(T, I, H)                                                                        \
    do {                                                                                           \
        if (direct_tile(I, H, rs, cs, mr, nr, first, beta) && !first)                              \
            _tile_loadd(T, c + 16 * (I) * rs + 16 * (H), rs * 4);                                  \
        else                                                                                       \
            _tile_zero(T);                                                                         \
    } while (0)

#define FINISH_TILE(T, I, H)                                                                       \
    do {                                                                                           \
        if (direct_tile(I, H, rs, cs, mr, nr, first, beta)) {                                      \
            _tile_stored(T, c + 16 * (I) * rs + 16 * (H), rs * 4);                                 \
        } else {                                                                                   \
            _tile_stored(T, buffer, 64);                                                           \
            add_tile(buffer, c + 16 * (I) * rs + 16 * (H) * cs, rs, cs,                            \
                     mr - 16 * (I) < 16 ? mr - 16 * (I) : 16, nr - 16 * (H) < 16 ? nr - 16 * (H) : 16, \
                     first, beta);                                                                 \
        }                                                                                          \
    } while (0)

/// One mr x nr (at most 32 x 32) tile of C over `steps` k steps of 32: a is the panel's first tile for this k
/// block, b the B panel's first pair row (row stride 128 bytes).
AMX static void kernel_amx(long steps, const uint32_t *a, const uint32_t *b, float *c, long rs, long cs, long mr,
                           long nr, int first, float beta) {
    float buffer[256] __attribute__((aligned(64)));
    int rows2 = mr > 16, cols2 = nr > 16;
    START_TILE(0, 0, 0);
    if (cols2) START_TILE(1, 0, 1);
    if (rows2) START_TILE(2, 1, 0);
    if (rows2 && cols2) START_TILE(3, 1, 1);
    if (rows2 && cols2) {
        for (long s = 0; s < steps; s++) {
            const uint32_t *as = a + s * 512, *bs = b + s * 16 * AMX_NR;
            _tile_loadd(4, as, 64);
            _tile_loadd(6, bs, AMX_NR * 4);
            _tile_loadd(7, bs + 16, AMX_NR * 4);
            _tile_dpbf16ps(0, 4, 6);
            _tile_dpbf16ps(1, 4, 7);
            _tile_loadd(5, as + 256, 64);
            _tile_dpbf16ps(2, 5, 6);
            _tile_dpbf16ps(3, 5, 7);
        }
    } else {
        for (long s = 0; s < steps; s++) {
            const uint32_t *as = a + s * 512, *bs = b + s * 16 * AMX_NR;
            _tile_loadd(4, as, 64);
            _tile_loadd(6, bs, AMX_NR * 4);
            _tile_dpbf16ps(0, 4, 6);
            if (cols2) {
                _tile_loadd(7, bs + 16, AMX_NR * 4);
                _tile_dpbf16ps(1, 4, 7);
            }
            if (rows2) {
                _tile_loadd(5, as + 256, 64);
                _tile_dpbf16ps(2, 5, 6);
            }
        }
    }
    FINISH_TILE(0, 0, 0);
    if (cols2) FINISH_TILE(1, 0, 1);
    if (rows2) FINISH_TILE(2, 1, 0);
    if (rows2 && cols2) FINISH_TILE(3, 1, 1);
}

// MARK: - Driver

/// The converted-B block, one per thread (about 540 KB), kept for the thread's lifetime.
static uint32_t *amx_thread_buffer(void) {
    static _Thread_local uint32_t *buffer;
    if (!buffer) buffer = aligned_alloc(64, (size_t)(AMX_NC + AMX_NR) * (AMX_KC / 2) * sizeof(uint32_t));
    if (!buffer) abort();
    return buffer;
}

/// Converts B's kc x nc block and pads each panel's pairs to whole tile steps with zero rows.
AVX512BF16 static void pack_b_amx(long kc, long nc, const float *b, long ldb, int bt, uint32_t *dst,
                                  long pair_stride) {
    rt_bf16_pack_b_avx512(kc, nc, b, ldb, bt, dst, pair_stride);
    long pairs = (kc + 1) / 2, panels = (nc + AMX_NR - 1) / AMX_NR;
    if (pairs == pair_stride) return;
    for (long q = 0; q < panels; q++)
        memset(dst + (q * pair_stride + pairs) * AMX_NR, 0, (size_t)(pair_stride - pairs) * AMX_NR * 4);
}

AMX void rt_bf16_gemm_amx(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb, int bt,
                          float *c, long rs, long cs, float beta) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        scale_c(m, n, c, rs, cs, beta);
        return;
    }
    configure_tiles();
    const uint32_t *a32 = (const uint32_t *)packed_a;
    long panel_pairs = rt_bf16_amx_panel_stride(k) / 2;   // uint32 per A panel
    uint32_t *bbuf = amx_thread_buffer();
    for (long jc = 0; jc < n; jc += AMX_NC) {
        long nc = n - jc < AMX_NC ? n - jc : AMX_NC;
        for (long pc = 0; pc < k; pc += AMX_KC) {
            long kc = k - pc < AMX_KC ? k - pc : AMX_KC;
            long steps = round_up(kc, AMX_KSTEP) / AMX_KSTEP, pair_stride = steps * 16;
            pack_b_amx(kc, nc, bt ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, bt, bbuf, pair_stride);
            for (long ic = 0; ic < m; ic += AMX_MC) {
                long mc = m - ic < AMX_MC ? m - ic : AMX_MC;
                for (long jr = 0; jr < nc; jr += AMX_NR) {
                    const uint32_t *bp = bbuf + (jr / AMX_NR) * pair_stride * AMX_NR;
                    long nr = nc - jr < AMX_NR ? nc - jr : AMX_NR;
                    for (long ir = 0; ir < mc; ir += AMX_MR) {
                        long i = ic + ir, mr = mc - ir < AMX_MR ? mc - ir : AMX_MR;
                        const uint32_t *ap = a32 + (i / AMX_MR) * panel_pairs + (pc / AMX_KSTEP) * 512;
                        kernel_amx(steps, ap, bp, c + i * rs + (jc + jr) * cs, rs, cs, mr, nr, pc == 0, beta);
                    }
                }
            }
        }
    }
}

#endif

#if !defined(__x86_64__)
void rt_bf16_amx_pack(long m, long k, const float *a, long lda, uint16_t *packed) {
    amx_pack_portable(m, k, a, lda, packed);
}
#endif
