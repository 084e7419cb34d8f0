// Pieces shared by the bf16 kernels' files (not part of the module's public header).
#pragma once
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Rounds one float to bf16: nearest, ties to even; zero and denormals to signed zero; NaN kept quiet.
static inline uint16_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);       // zero, denormal: signed zero
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u); // NaN: quiet
    u += 0x7fffu + ((u >> 16) & 1u);                                           // nearest, ties to even
    return (uint16_t)(u >> 16);
}

/// The float a bf16 (the low 16 bits of h) stands for.
static inline float from_bf16(uint32_t h) {
    uint32_t u = (h & 0xffffu) << 16;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

/// Zeroes and scales C where k is empty: C = beta * C (C not read when beta is 0).
static inline void scale_c(long m, long n, float *c, long rs, long cs, float beta) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * rs + j * cs] = beta == 0 ? 0 : beta * c[i * rs + j * cs];
}

/// Elements (uint16) of an m x k matrix packed for the AMX kernel: 32-row panels, k padded to 32.
size_t rt_bf16_amx_packed_count(long m, long k);

/// Elements (uint16) between the starts of two consecutive AMX panels.
size_t rt_bf16_amx_panel_stride(long k);

/// Packs fp32 a[m x k] for the AMX kernel (see bf16_gemm_amx.c for the layout); padding is zero.
void rt_bf16_amx_pack(long m, long k, const float *a, long lda, uint16_t *packed);

#if defined(__x86_64__)
#define AVX512BF16 __attribute__((target("avx512f,avx512bf16,avx512bw,avx512vl")))

/// A mask of the first `count` of 16 lanes (all for 16 or more, none for 0 or fewer).
static inline __mmask16 column_mask(long count) {
    return count >= 16 ? (__mmask16)0xffff : count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
}

/// Transposes a 16 x 16 matrix of 32-bit elements held as 16 rows.
AVX512BF16 static inline void transpose16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {   // u[g + j], lane L: rows g..g+3 of column 4L + j
        u[g + 0] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
        u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
        u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
        u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
    }
    for (int j = 0; j < 4; j++) {
        __m512i a = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x88), b = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xdd);
        __m512i c = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x88), d = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xdd);
        r[j] = _mm512_shuffle_i32x4(a, c, 0x88);
        r[8 + j] = _mm512_shuffle_i32x4(a, c, 0xdd);
        r[4 + j] = _mm512_shuffle_i32x4(b, d, 0x88);
        r[12 + j] = _mm512_shuffle_i32x4(b, d, 0xdd);
    }
}

/// Converts B's kc x nc block (as rt_bf16_gemm reads B) into 32-column panels of bf16 k-pairs: panel q, pair p,
/// column j is the uint32 at dst[(q * pair_stride + p) * 32 + j], low half B[2p][j], high half B[2p + 1][j], zero
/// beyond kc and nc. `pair_stride` >= (kc + 1) / 2 pairs per panel; rows beyond (kc + 1) / 2 are not written.
void rt_bf16_pack_b_avx512(long kc, long nc, const float *b, long ldb, int transposed, uint32_t *dst,
                           long pair_stride);

/// rt_bf16_gemm on the AVX-512 BF16 kernel (12-row A panels); the CPU must have AVX-512 BF16.
void rt_bf16_gemm_avx512(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb,
                         int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta);

/// Non-zero when the CPU and the OS let this process run AMX BF16 tiles (asks Linux for permission once).
int rt_bf16_amx_usable(void);

/// rt_bf16_gemm on AMX tiles with A packed by rt_bf16_amx_pack; requires rt_bf16_amx_usable().
void rt_bf16_gemm_amx(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb,
                      int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta);
#endif
