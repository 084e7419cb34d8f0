// Winograd F(2x2, 3x3) transforms (Lavin & Gray, interpolation points 0, ±1, ∞) for stride-1, padding-1 3x3
// convolutions whose products run in bf16. A 4x4 input tile d (stride 2) and a 3x3 kernel g give the 2x2 output
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// which over input channels becomes 16 independent GEMMs, one per tile position xi = 4 * row + column:
// M[xi] (Cout x tiles) = U[xi] (Cout x Cin) · V[xi] (Cin x tiles).
//
// Unlike F(4x4, 3x3), whose transforms multiply by up to 8 and divide by 24, every coefficient here is 0, ±1 or
// ±1/2, so rounding U and V to bf16 costs about 1.6x the error of a bf16 direct convolution (F(4x4): about 8x).
// Transforms run in fp32; lanes run across tiles (or weight pairs) as in winograd.c.
#include "CKernels.h"

#include "winograd_common.h"

// Bᵀ (4x4) applied to four vectors: o = Bᵀ d.
#define RT_BT2(d0, d1, d2, d3, o) do {                                 \
    v16 _d1 = (d1), _d2 = (d2);                                        \
    (o)[0] = (d0) - _d2;                                               \
    (o)[1] = _d1 + _d2;                                                \
    (o)[2] = _d2 - _d1;                                                \
    (o)[3] = _d1 - (d3);                                               \
} while (0)

// Aᵀ (2x4) applied to four vectors: o = Aᵀ m.
#define RT_AT2(m0, m1, m2, m3, o) do {                                 \
    v16 _m1 = (m1), _m2 = (m2);                                        \
    (o)[0] = (m0) + _m1 + _m2;                                         \
    (o)[1] = _m1 - _m2 - (m3);                                         \
} while (0)

// G (4x3) applied to three vectors: o = G g.
#define RT_G2(g0, g1, g2, o) do {                                      \
    v16 _g0 = (g0), _g1 = (g1), _g2 = (g2);                            \
    (o)[0] = _g0;                                                      \
    (o)[1] = 0.5f * (_g0 + _g1 + _g2);                                 \
    (o)[2] = 0.5f * (_g0 - _g1 + _g2);                                 \
    (o)[3] = _g2;                                                      \
} while (0)

RT_CLONES
void rt_winograd2_weights(const float *weight, long pairs, float *u, long xi_stride) {
    for (long p0 = 0; p0 < pairs; p0 += LANES) {
        long n = pairs - p0 < LANES ? pairs - p0 : LANES;
        const float *src = weight + p0 * 9;
        float g[9][LANES];
        RT_GATHER_KERNELS(src, n, g);
        // t = G g (4x3), then U = t Gᵀ (4x4).
        v16 t[4][3], o[4];
        for (int j = 0; j < 3; j++) {
            RT_G2(RT_LOAD16(g[j]), RT_LOAD16(g[3 + j]), RT_LOAD16(g[6 + j]), o);
            for (int i = 0; i < 4; i++) t[i][j] = o[i];
        }
        for (int i = 0; i < 4; i++) {
            RT_G2(t[i][0], t[i][1], t[i][2], o);
            for (int k = 0; k < 4; k++) RT_STORE_N(u + (i * 4 + k) * xi_stride + p0, o[k], n);
        }
    }
}

// Lanes l = 0..15 of p[2 l + q] (q 0 or 1), from 32 floats at p.
#define RT_EVERY_SECOND(p, q)                                                                          \
    __builtin_shufflevector(RT_LOAD16(p), RT_LOAD16((p) + 16), q, q + 2, q + 4, q + 6, q + 8, q + 10, \
                            q + 12, q + 14, 16 + q, 18 + q, 20 + q, 22 + q, 24 + q, 26 + q, 28 + q, 30 + q)

// Tiles per staged segment of a tile row (four padded input rows of 2 * SEGMENT_TILES + 2 floats).
#define SEGMENT_TILES (8 * LANES)
#define SEGMENT_FLOATS (2 * SEGMENT_TILES + 2)

RT_CLONES
void rt_winograd2_input(const float *image, long channels, long height, long width,
                        long tile_y, long tile_rows, long tile_x, long tile_cols,
                        float *v, long channel_stride, long xi_stride) {
    float rows[4][SEGMENT_FLOATS + 48];   // slack so a full 16-lane read past a short segment stays inside
    for (long c = 0; c < channels; c++) {
        const float *plane = image + c * height * width;
        float *vc = v + c * channel_stride;
        for (long ty = tile_y; ty < tile_y + tile_rows; ty++) {
            for (long seg = 0; seg < tile_cols; seg += SEGMENT_TILES) {
                long seg_tiles = tile_cols - seg < SEGMENT_TILES ? tile_cols - seg : SEGMENT_TILES;
                long x0 = 2 * (tile_x + seg) - 1;
                rt_stage_rows(plane, height, width, 2 * ty - 1, 4, x0, 2 * seg_tiles + 2, rows[0],
                              (long)(sizeof rows[0] / sizeof(float)));
                long t = (ty - tile_y) * tile_cols + seg;
                for (long g = 0; g < seg_tiles; g += LANES, t += LANES) {
                    long n = seg_tiles - g < LANES ? seg_tiles - g : LANES;
                    // h[r][k] = (d_r B)[k] for each of the four input rows r (lanes: tiles).
                    v16 h[4][4];
                    for (int r = 0; r < 4; r++) {
                        const float *p = rows[r] + 2 * g;
                        RT_BT2(RT_EVERY_SECOND(p, 0), RT_EVERY_SECOND(p, 1), RT_EVERY_SECOND(p + 2, 0),
                               RT_EVERY_SECOND(p + 2, 1), h[r]);
                    }
                    // V[i][k] = (Bᵀ h)[i][k], stored at xi = 4 i + k.
                    v16 o[4];
                    for (int k = 0; k < 4; k++) {
                        RT_BT2(h[0][k], h[1][k], h[2][k], h[3][k], o);
                        for (int i = 0; i < 4; i++) RT_STORE_N(vc + (i * 4 + k) * xi_stride + t, o[i], n);
                    }
                }
            }
        }
    }
}

RT_CLONES
void rt_winograd2_output(const float *m, long channels, long channel_stride, long xi_stride,
                         long height, long width, long tile_y, long tile_rows, long tile_x, long tile_cols,
                         const float *bias, int accumulate, float *out) {
    float buf[2 * LANES];
    for (long c = 0; c < channels; c++) {
        const float *mc = m + c * channel_stride;
        float *plane = out + c * height * width;
        const float b = bias ? bias[c] : 0.0f;
        for (long ty = tile_y; ty < tile_y + tile_rows; ty++) {
            long t = (ty - tile_y) * tile_cols;
            for (long tx0 = 0; tx0 < tile_cols; tx0 += LANES, t += LANES) {
                long n = tile_cols - tx0 < LANES ? tile_cols - tx0 : LANES;
                long x = 2 * (tile_x + tx0);
                // s[i][j] = (Aᵀ M)[i][j] down the four rows, then Y[i][k] = (s A)[i][k].
                v16 s[2][4], o[2];
                for (int j = 0; j < 4; j++) {
                    const float *col = mc + j * xi_stride + t;
                    RT_AT2(RT_LOAD_N(col, n), RT_LOAD_N(col + 4 * xi_stride, n), RT_LOAD_N(col + 8 * xi_stride, n),
                           RT_LOAD_N(col + 12 * xi_stride, n), o);
                    s[0][j] = o[0];
                    s[1][j] = o[1];
                }
                long columns = width - x < 2 * LANES ? width - x : 2 * LANES;
                for (int i = 0; i < 2; i++) {
                    long y = 2 * ty + i;
                    if (y >= height) break;
                    RT_AT2(s[i][0], s[i][1], s[i][2], s[i][3], o);
                    // Interleave the two output columns of each tile: chunk[2 l + k] = o[k][l] + bias.
                    v16 lo = __builtin_shufflevector(o[0], o[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
                    v16 hi = __builtin_shufflevector(o[0], o[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
                    float *dst = plane + y * width + x;
                    if (columns == 2 * LANES) {
                        v16 first = lo + b, second = hi + b;
                        if (accumulate) { first += RT_LOAD16(dst); second += RT_LOAD16(dst + 16); }
                        RT_STORE16(dst, first);
                        RT_STORE16(dst + 16, second);
                    } else {
                        RT_STORE16(buf, lo + b);
                        RT_STORE16(buf + 16, hi + b);
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
