// bf16 rounding of 16 floats at once, the one vector form of CBF16Kernels' scalar to_bf16 (nearest, ties to even;
// zero and denormals to signed zero; NaN kept, made quiet). Shared by CKernels' widened bf16 GEMM and
// CBF16Kernels' weight packing; C only (hidden from Swift's importer).
#pragma once
#if defined(__x86_64__) && !defined(__swift__)
#include <immintrin.h>

/// The 32-bit lanes of `v` rounded to bf16: each lane's upper half is the bf16, the lower half is not cleared.
__attribute__((target("avx512f"))) static inline __m512i rt_round_bf16_bits_avx512(__m512 v) {
    __m512i u = _mm512_castps_si512(v);
    __mmask16 tiny = _mm512_testn_epi32_mask(u, _mm512_set1_epi32(0x7f800000));
    __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                            _mm512_set1_epi32(0x7f800000));
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(u, _mm512_set1_epi32(0x00400000)));
    return _mm512_mask_mov_epi32(r, tiny, _mm512_and_si512(u, _mm512_set1_epi32((int)0x80000000)));
}
#endif
