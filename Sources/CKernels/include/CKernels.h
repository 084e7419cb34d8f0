// Vectorised inner loops for RetouchTensor. Each function is single-threaded; Swift splits work across cores.
// Every function is compiled for AVX-512, AVX2+FMA and baseline x86-64 and picked at load time (target_clones).
#pragma once
#include <stdint.h>
#include <stddef.h>

/// In place, for each of `rows` rows of `cols` floats: x = softmax(scale * x).
void rt_softmax_rows(float *x, long rows, long cols, long stride, float scale);

/// out[i] = in[i] * sigmoid(in[i]).
void rt_silu(const float *in, float *out, long n);
/// out[i] = 0.5 * in[i] * (1 + erf(in[i] / sqrt(2))).
void rt_gelu_erf(const float *in, float *out, long n);
/// out[i] = 0.5 * in[i] * (1 + tanh(sqrt(2/pi) * (in[i] + 0.044715 in[i]^3))).
void rt_gelu_tanh(const float *in, float *out, long n);
/// out[i] = in[i] * sigmoid(1.702 * in[i]).
void rt_quick_gelu(const float *in, float *out, long n);
/// out[i] = a[i] * gelu_erf(b[i]) (the GEGLU gate), a and b with independent strides per row.
void rt_geglu(const float *a, const float *b, float *out, long rows, long cols, long in_stride);

/// Mean and variance (population) of n floats, accumulated in double.
void rt_mean_variance(const float *x, long n, double *mean, double *variance);
/// out[i] = in[i] * mul + add, then SiLU when `silu` is non-zero.
void rt_scale_shift(const float *in, float *out, long n, float mul, float add, int silu);
/// out[i] = (in[i] - mean) * inv_std * gamma[i] + beta[i] (a layer-norm row).
void rt_normalize_affine(const float *in, float *out, long n, float mean, float inv_std,
                         const float *gamma, const float *beta);

/// Unfolds a band of output pixels of one [C, H, W] image into columns for a convolution GEMM.
/// col has shape [C * kh * kw, pixel_count]; output pixel p (row-major over out_h x out_w) reads
/// input (y * stride_h - pad_h + ky, x * stride_w - pad_w + kx), zero outside the image.
void rt_im2col(const float *input, long channels, long height, long width,
               long kernel_h, long kernel_w, long stride_h, long stride_w, long pad_h, long pad_w,
               long out_w, long pixel_start, long pixel_count, float *col);

/// glibc: serve allocations of at least `mmap_threshold` bytes with their own mappings (returned to the system when
/// freed, and no dynamic raising of the threshold), and trim heap tops above `trim_threshold`.
void rt_return_large_buffers(int mmap_threshold, int trim_threshold);
/// glibc: return free heap memory (in every arena) to the system.
void rt_release_free_memory(void);
// Winograd F(4x4, 3x3) transforms for stride-1, padding-1 3x3 convolutions (winograd.c). The 6x6 transformed
// tile position xi = 6 * row + column indexes 36 matrices; tile (ty, tx) of an image covers output rows
// 4ty..4ty+3 and columns 4tx..4tx+3 and reads input rows 4ty-1..4ty+4, columns 4tx-1..4tx+4 (zero outside).

/// Weight transform U = G g Gᵀ for `pairs` consecutive 3x3 kernels g (each 9 floats, row-major; pair p is
/// output channel p / Cin, input channel p % Cin of an OIHW weight): u[xi * xi_stride + p] = U_p[xi].
void rt_winograd_weights(const float *weight, long pairs, float *u, long xi_stride);

/// Input transform V = Bᵀ d B of the tiles (ty, tx) with tile_y <= ty < tile_y + tile_rows and
/// tile_x <= tx < tile_x + tile_cols, for `channels` planes of a [channels, height, width] image:
/// v[xi * xi_stride + c * channel_stride + t] with t = (ty - tile_y) * tile_cols + (tx - tile_x).
void rt_winograd_input(const float *image, long channels, long height, long width,
                       long tile_y, long tile_rows, long tile_x, long tile_cols,
                       float *v, long channel_stride, long xi_stride);

/// Output transform Y = Aᵀ M A of the same tiles, laid out like `rt_winograd_input`'s v (with channels now
/// output channels), into a [channels, height, width] output, writing only the pixels inside the image.
/// Adds bias[c] when bias is non-null; adds to `out` when `accumulate` is non-zero, else overwrites.
void rt_winograd_output(const float *m, long channels, long channel_stride, long xi_stride,
                        long height, long width, long tile_y, long tile_rows, long tile_x, long tile_cols,
                        const float *bias, int accumulate, float *out);
// Winograd F(2x2, 3x3) transforms (winograd_f2.c), for convolutions whose 16 GEMMs run in bf16: the 4x4
// transformed tile position xi = 4 * row + column indexes 16 matrices; tile (ty, tx) covers output rows
// 2ty..2ty+1 and columns 2tx..2tx+1 and reads input rows 2ty-1..2ty+2, columns 2tx-1..2tx+2 (zero outside).
// Arguments and layouts are those of the F(4x4, 3x3) functions above.

/// Weight transform U = G g Gᵀ (4x4 per kernel): u[xi * xi_stride + p] = U_p[xi].
void rt_winograd2_weights(const float *weight, long pairs, float *u, long xi_stride);

/// Input transform V = Bᵀ d B (4x4 per tile): v[xi * xi_stride + c * channel_stride + t].
void rt_winograd2_input(const float *image, long channels, long height, long width,
                        long tile_y, long tile_rows, long tile_x, long tile_cols,
                        float *v, long channel_stride, long xi_stride);

/// Output transform Y = Aᵀ M A (2x2 per tile), writing only the pixels inside the image.
void rt_winograd2_output(const float *m, long channels, long channel_stride, long xi_stride,
                         long height, long width, long tile_y, long tile_rows, long tile_x, long tile_cols,
                         const float *bias, int accumulate, float *out);
/// glibc: serve every allocation from the heaps (no per-buffer mappings) and keep freed memory for reuse, so a
/// tensor of a size seen before costs no page faults; `rt_release_free_memory` gives it back between phases.
void rt_reuse_freed_buffers(void);

/// Converts `count` IEEE half-precision values (little-endian, any alignment) at `source` to float32, exactly
/// (F16C's `vcvtph2ps` on AVX2 and AVX-512 CPUs; subnormals, infinities and NaN carried over).
void rt_f16_to_f32(const void *source, float *destination, long count);

// MARK: - CPU features (cpu_features.c)

/// Instruction-set extensions, each set only when CPUID reports it and XGETBV shows the operating system saves
/// its register state (ymm for AVX2/FMA, opmask and zmm for AVX-512, tile data for AMX).
enum {
    RT_CPU_SSE4_2 = 1 << 0,
    RT_CPU_AVX2 = 1 << 1,
    RT_CPU_FMA = 1 << 2,
    RT_CPU_AVX512F = 1 << 3,
    RT_CPU_AVX512BW = 1 << 4,
    RT_CPU_AVX512_BF16 = 1 << 5,
    RT_CPU_AVX512_FP16 = 1 << 6,
    RT_CPU_AMX_TILE = 1 << 7,
    RT_CPU_AMX_BF16 = 1 << 8,
    RT_CPU_AMX_INT8 = 1 << 9,
};

/// The RT_CPU_* bits of this CPU (0 on non-x86 machines).
unsigned int rt_cpu_features(void);
/// Writes the CPU's model name into `out` (at most capacity - 1 characters and a zero): the CPUID brand string
/// (needs capacity >= 49), else /proc/cpuinfo's "model name". Returns 0, leaving `out` empty, when neither exists.
int rt_cpu_model_name(char *out, long capacity);
/// Non-zero on a CPU whose CPUID vendor string is "GenuineIntel".
int rt_cpu_is_intel(void);

// MARK: - fp32 GEMM (gemm_f32.c)

/// The fp32 GEMM micro-kernels. Each is a complete GEMM; they differ only in the instructions they use.
typedef enum {
    RT_GEMM_F32_PORTABLE = 0,   ///< plain C, any CPU
    RT_GEMM_F32_AVX2 = 1,       ///< AVX2 + FMA, 6 x 16 micro-tile
    RT_GEMM_F32_AVX512 = 2,     ///< AVX-512F, 12 x 32 micro-tile
} rt_gemm_f32_kernel;

/// Whether this CPU (and operating system) can run `kernel`.
int rt_gemm_f32_supported(rt_gemm_f32_kernel kernel);
/// The fastest kernel this CPU can run.
rt_gemm_f32_kernel rt_gemm_f32_best(void);

/// Row-major C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C on the calling thread, with the semantics of
/// cblas_sgemm(CblasRowMajor, ...): op(A) is A (m x k, row stride lda) or, when `transpose_a`, the transpose of
/// A stored k x m; likewise B. With beta == 0, C is only written (it may hold NaN). When alpha == 0 or k == 0,
/// A and B are not read. `kernel` must be supported (an unsupported one runs the portable kernel).
void rt_gemm_f32(rt_gemm_f32_kernel kernel, int transpose_a, int transpose_b, long m, long n, long k, float alpha,
                 const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// C = A · op(B) + beta · C on the AVX-512F micro-kernel, where A holds bf16 weights in CBF16Kernels' 12-row
/// k-pair panels (rt_bf16_pack: panel i, pair p, row r is the uint32 a_panels[(i * panel_pairs + p) * 12 + r],
/// low half column 2p, high half 2p + 1) and each B value is rounded to bf16 as it is packed. The arithmetic is
/// fp32 on bf16-rounded operands, exactly what the bf16 kernels compute, up to the order of accumulation: the
/// weights are widened to fp32 block by block and meet fp32 FMAs. This is the bf16 path where `vdpbf16ps` is slow
/// (Intel cores without AMX) or absent (AVX-512F without BF16). op(B) is B (k x n, b[p * ldb + j]) or, when
/// `transpose_b`, B stored n x k; C[i][j] is c[i * c_row_stride + j * c_col_stride]. With beta == 0 C is only
/// written. The CPU must have AVX-512F (rt_gemm_f32_supported(RT_GEMM_F32_AVX512)); otherwise the call aborts.
void rt_gemm_f32_bf16_panels(long m, long n, long k, const uint32_t *a_panels, long panel_pairs, const float *b,
                             long ldb, int transpose_b, float beta, float *c, long c_row_stride, long c_col_stride);
