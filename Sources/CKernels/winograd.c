// Winograd F(4x4, 3x3) transforms (Lavin & Gray, interpolation points 0, ±1, ±2, ∞) for stride-1, padding-1
// 3x3 convolutions. A 6x6 input tile d (stride 4) and a 3x3 kernel g give the 4x4 output tile
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// and summed over input channels the element-wise product becomes 36 independent GEMMs, one per tile position
// xi = 6 * row + column: M[xi] (Cout x tiles) = U[xi] (Cout x Cin) · V[xi] (Cin x tiles).
//
// Lanes run across tiles (or across weight pairs), so every inner loop below is a fixed 16-wide loop that the
// compiler turns into one AVX-512 or two AVX2 vectors, and the stores into U, V, M are contiguous.
#include "CKernels.h"

#include "winograd_common.h"

// Bᵀ (6x6) applied to six vectors: o = Bᵀ d.
#define RT_BT(d0, d1, d2, d3, d4, d5, o) do {                          \
    v16 _d0 = (d0), _d1 = (d1), _d2 = (d2), _d3 = (d3), _d4 = (d4), _d5 = (d5); \
    (o)[0] = 4.0f * _d0 - 5.0f * _d2 + _d4;                            \
    (o)[1] = -4.0f * (_d1 + _d2) + _d3 + _d4;                          \
    (o)[2] = 4.0f * (_d1 - _d2) - _d3 + _d4;                           \
    (o)[3] = 2.0f * (_d3 - _d1) - _d2 + _d4;                           \
    (o)[4] = 2.0f * (_d1 - _d3) - _d2 + _d4;                           \
    (o)[5] = 4.0f * _d1 - 5.0f * _d3 + _d5;                            \
} while (0)

// Aᵀ (4x6) applied to six vectors: o = Aᵀ m.
#define RT_AT(m0, m1, m2, m3, m4, m5, o) do {                          \
    v16 _m1 = (m1), _m2 = (m2), _m3 = (m3), _m4 = (m4);                \
    v16 _s12 = _m1 + _m2, _d12 = _m1 - _m2, _s34 = _m3 + _m4, _d34 = _m3 - _m4; \
    (o)[0] = (m0) + _s12 + _s34;                                       \
    (o)[1] = _d12 + 2.0f * _d34;                                       \
    (o)[2] = _s12 + 4.0f * _s34;                                       \
    (o)[3] = _d12 + 8.0f * _d34 + (m5);                                \
} while (0)

// G (6x3) applied to three vectors: o = G g.
#define RT_G(g0, g1, g2, o) do {                                       \
    v16 _g0 = (g0), _g1 = (g1), _g2 = (g2);                            \
    (o)[0] = 0.25f * _g0;                                              \
    (o)[1] = (_g0 + _g1 + _g2) * (-1.0f / 6.0f);                       \
    (o)[2] = (_g0 - _g1 + _g2) * (-1.0f / 6.0f);                       \
    (o)[3] = _g0 * (1.0f / 24.0f) + _g1 * (1.0f / 12.0f) + _g2 * (1.0f / 6.0f); \
    (o)[4] = _g0 * (1.0f / 24.0f) - _g1 * (1.0f / 12.0f) + _g2 * (1.0f / 6.0f); \
    (o)[5] = _g2;                                                      \
} while (0)

RT_CLONES
void rt_winograd_weights(const float *weight, long pairs, float *u, long xi_stride) {
    for (long p0 = 0; p0 < pairs; p0 += LANES) {
        long n = pairs - p0 < LANES ? pairs - p0 : LANES;
        const float *src = weight + p0 * 9;
        float g[9][LANES];
        RT_GATHER_KERNELS(src, n, g);
        // t = G g (6x3), then U = t Gᵀ (6x6).
        v16 t[6][3], o[6];
        for (int j = 0; j < 3; j++) {
            RT_G(RT_LOAD16(g[j]), RT_LOAD16(g[3 + j]), RT_LOAD16(g[6 + j]), o);
            for (int i = 0; i < 6; i++) t[i][j] = o[i];
        }
        for (int i = 0; i < 6; i++) {
            RT_G(t[i][0], t[i][1], t[i][2], o);
            for (int k = 0; k < 6; k++) RT_STORE_N(u + (i * 6 + k) * xi_stride + p0, o[k], n);
        }
    }
}

// Lanes l = 0..15 of p[4 l + q] (q a constant 0..3), from 64 floats at p.
#define RT_EVERY_FOURTH(p, q)                                                                          \
    __builtin_shufflevector(                                                                           \
        __builtin_shufflevector(RT_LOAD16(p), RT_LOAD16((p) + 16), q, q + 4, q + 8, q + 12, 16 + q,    \
                                20 + q, 24 + q, 28 + q, 0, 0, 0, 0, 0, 0, 0, 0),                       \
        __builtin_shufflevector(RT_LOAD16((p) + 32), RT_LOAD16((p) + 48), q, q + 4, q + 8, q + 12,     \
                                16 + q, 20 + q, 24 + q, 28 + q, 0, 0, 0, 0, 0, 0, 0, 0),               \
        0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)

// Tiles per segment of a tile row: the six padded input rows of a segment are staged in a small buffer first
// (reading them straight after writing them would stall on store forwarding).
#define SEGMENT_TILES (4 * LANES)
#define SEGMENT_FLOATS (4 * SEGMENT_TILES + 4)

RT_CLONES
void rt_winograd_input(const float *image, long channels, long height, long width,
                       long tile_y, long tile_rows, long tile_x, long tile_cols,
                       float *v, long channel_stride, long xi_stride) {
    float rows[6][SEGMENT_FLOATS + 64];   // slack so a full 16-lane read past a short segment stays inside
    for (long c = 0; c < channels; c++) {
        const float *plane = image + c * height * width;
        float *vc = v + c * channel_stride;
        for (long ty = tile_y; ty < tile_y + tile_rows; ty++) {
            for (long seg = 0; seg < tile_cols; seg += SEGMENT_TILES) {
                long seg_tiles = tile_cols - seg < SEGMENT_TILES ? tile_cols - seg : SEGMENT_TILES;
                long x0 = 4 * (tile_x + seg) - 1;
                rt_stage_rows(plane, height, width, 4 * ty - 1, 6, x0, 4 * seg_tiles + 4, rows[0],
                              (long)(sizeof rows[0] / sizeof(float)));
                long t = (ty - tile_y) * tile_cols + seg;
                for (long g = 0; g < seg_tiles; g += LANES, t += LANES) {
                    long n = seg_tiles - g < LANES ? seg_tiles - g : LANES;
                    // h[r][k] = (d_r B)[k] for each of the six input rows r (lanes: tiles).
                    v16 h[6][6];
                    for (int r = 0; r < 6; r++) {
                        const float *p = rows[r] + 4 * g;
                        RT_BT(RT_EVERY_FOURTH(p, 0), RT_EVERY_FOURTH(p, 1), RT_EVERY_FOURTH(p, 2),
                              RT_EVERY_FOURTH(p, 3), RT_EVERY_FOURTH(p + 4, 0), RT_EVERY_FOURTH(p + 4, 1), h[r]);
                    }
                    // V[i][k] = (Bᵀ h)[i][k], stored at xi = 6 i + k.
                    v16 o[6];
                    for (int k = 0; k < 6; k++) {
                        RT_BT(h[0][k], h[1][k], h[2][k], h[3][k], h[4][k], h[5][k], o);
                        for (int i = 0; i < 6; i++) RT_STORE_N(vc + (i * 6 + k) * xi_stride + t, o[i], n);
                    }
                }
            }
        }
    }
}

RT_CLONES
void rt_winograd_output(const float *m, long channels, long channel_stride, long xi_stride,
                        long height, long width, long tile_y, long tile_rows, long tile_x, long tile_cols,
                        const float *bias, int accumulate, float *out) {
    float buf[4 * LANES];
    for (long c = 0; c < channels; c++) {
        const float *mc = m + c * channel_stride;
        float *plane = out + c * height * width;
        const float b = bias ? bias[c] : 0.0f;
        for (long ty = tile_y; ty < tile_y + tile_rows; ty++) {
            long t = (ty - tile_y) * tile_cols;
            for (long tx0 = 0; tx0 < tile_cols; tx0 += LANES, t += LANES) {
                long n = tile_cols - tx0 < LANES ? tile_cols - tx0 : LANES;
                long x = 4 * (tile_x + tx0);
                // s[i][j] = (Aᵀ M)[i][j] down the six rows, then Y[i][k] = (s A)[i][k].
                v16 s[4][6], o[4];
                for (int j = 0; j < 6; j++) {
                    const float *col = mc + j * xi_stride + t;
                    RT_AT(RT_LOAD_N(col, n), RT_LOAD_N(col + 6 * xi_stride, n), RT_LOAD_N(col + 12 * xi_stride, n),
                          RT_LOAD_N(col + 18 * xi_stride, n), RT_LOAD_N(col + 24 * xi_stride, n),
                          RT_LOAD_N(col + 30 * xi_stride, n), o);
                    for (int i = 0; i < 4; i++) s[i][j] = o[i];
                }
                long columns = width - x < 4 * LANES ? width - x : 4 * LANES;
                for (int i = 0; i < 4; i++) {
                    long y = 4 * ty + i;
                    if (y >= height) break;
                    RT_AT(s[i][0], s[i][1], s[i][2], s[i][3], s[i][4], s[i][5], o);
                    // Interleave the four output columns of each tile: buf[4 l + k] = o[k][l] + bias.
                    v16 lo01 = __builtin_shufflevector(o[0], o[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                    v16 lo23 = __builtin_shufflevector(o[2], o[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                    v16 hi01 = __builtin_shufflevector(o[0], o[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                    v16 hi23 = __builtin_shufflevector(o[2], o[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                    v16 chunk[4] = {
                        __builtin_shufflevector(lo01, lo23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23),
                        __builtin_shufflevector(lo01, lo23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31),
                        __builtin_shufflevector(hi01, hi23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23),
                        __builtin_shufflevector(hi01, hi23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31),
                    };
                    float *dst = plane + y * width + x;
                    if (columns == 4 * LANES) {
                        for (int q = 0; q < 4; q++) {
                            v16 value = chunk[q] + b;
                            if (accumulate) value += RT_LOAD16(dst + 16 * q);
                            RT_STORE16(dst + 16 * q, value);
                        }
                    } else {
                        for (int q = 0; q < 4; q++) RT_STORE16(buf + 16 * q, chunk[q] + b);
                        if (accumulate) {
                            for (long x = 0; x < columns; x++) dst[x] += buf[x];
                        } else {
                            for (long x = 0; x < columns; x++) dst[x] = buf[x];
                        }
                    }
                }
            }
        }
    }
}
