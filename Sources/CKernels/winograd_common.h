// Helpers shared by the Winograd transforms (winograd.c, winograd_f2.c): 16-lane vectors, partial loads and
// stores, run-time CPU dispatch, and zero-padded row staging. Private to CKernels.
#pragma once
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define RT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RT_CLONES
#endif

#define LANES 16

// Sixteen lanes (one AVX-512 register, two AVX2 registers, four SSE registers in the baseline clone).
typedef float v16 __attribute__((ext_vector_type(16), aligned(4)));

// Helpers are macros: a function taking or returning v16 by value would change the ABI in the non-AVX-512 clones.
#define RT_LOAD16(p) ({ v16 _v; memcpy(&_v, (p), sizeof _v); _v; })
#define RT_STORE16(p, v) do { v16 _v = (v); memcpy((p), &_v, sizeof _v); } while (0)

// The first n <= 16 floats at p, zero beyond.
#define RT_LOAD_N(p, n) ({                                             \
    v16 _r;                                                            \
    if ((n) == LANES) {                                                \
        _r = RT_LOAD16(p);                                             \
    } else {                                                           \
        float _t[LANES] = {0};                                         \
        for (long _l = 0; _l < (n); _l++) _t[_l] = (p)[_l];            \
        _r = RT_LOAD16(_t);                                            \
    }                                                                  \
    _r; })

// Stores the first n <= 16 lanes of v at p.
#define RT_STORE_N(p, v, n) do {                                       \
    if ((n) == LANES) {                                                \
        RT_STORE16(p, v);                                              \
    } else {                                                           \
        float _t[LANES];                                               \
        RT_STORE16(_t, v);                                             \
        for (long _l = 0; _l < (n); _l++) (p)[_l] = _t[_l];            \
    }                                                                  \
} while (0)

// Copies `count` floats of input row `row` starting at column x0 into buf, zero outside [0, width).
static inline void rt_padded_row(const float *row, long width, long x0, long count, float *buf) {
    long lo = x0 < 0 ? -x0 : 0;
    long hi = width - x0 < count ? width - x0 : count;
    if (hi < lo) hi = lo;
    for (long k = 0; k < lo; k++) buf[k] = 0.0f;
    if (hi > lo) memcpy(buf + lo, row + x0 + lo, (size_t)(hi - lo) * sizeof(float));
    for (long k = hi; k < count; k++) buf[k] = 0.0f;
}

// Stages `row_count` input rows from y0 of a plane, each `count` floats from column x0, into rows[r * row_stride],
// zero outside the plane (the padding of a tile row's segment).
static inline void rt_stage_rows(const float *plane, long height, long width, long y0, int row_count, long x0,
                                 long count, float *rows, long row_stride) {
    for (int r = 0; r < row_count; r++) {
        long y = y0 + r;
        if (y < 0 || y >= height) {
            memset(rows + r * row_stride, 0, (size_t)row_stride * sizeof(float));
        } else {
            rt_padded_row(plane + y * width, width, x0, count, rows + r * row_stride);
        }
    }
}

// The 3x3 kernels of up to 16 consecutive weight pairs from src (9 floats each), transposed so g[k] holds
// element k of every pair (lanes: pairs), zero beyond n.
#define RT_GATHER_KERNELS(src, n, g) do {                              \
    memset((g), 0, sizeof(float) * 9 * LANES);                         \
    for (long _l = 0; _l < (n); _l++)                                  \
        for (int _k = 0; _k < 9; _k++) (g)[_k][_l] = (src)[_l * 9 + _k]; \
} while (0)
