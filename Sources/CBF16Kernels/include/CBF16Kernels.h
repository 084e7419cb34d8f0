// bfloat16 matrix multiplication for RetouchTensor's `--precision bf16` mode.
//
// A (the weights) is packed once into bf16 panels; B (the activations) stays fp32 and is converted to bf16
// block by block inside the GEMM; products accumulate in fp32. Every function is single-threaded; Swift
// splits the work across cores. Rounding to bf16 is round-to-nearest-even with denormals flushed to zero,
// as the AVX-512 BF16 instructions do, on both the AVX-512 path and the portable fallback.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// Non-zero when this CPU executes AVX-512 BF16 (`vdpbf16ps`); otherwise the portable path runs.
int rt_bf16_supported(void);

/// The bf16 GEMM kernels. The portable and AVX-512 BF16 kernels read A packed by rt_bf16_pack (12-row panels);
/// the AMX kernel (`tdpbf16ps` tiles, also needs AVX-512 BF16) reads its own 32-row tile layout. Pack with
/// rt_bf16_kernel_pack for the kernel that will run the product.
/// RT_BF16_WIDENED reads the 12-row panels too but runs the AVX-512F fp32 kernel on them (CKernels'
/// rt_gemm_f32_bf16_panels): the same bf16-rounded operands, fp32 FMAs. It needs only AVX-512F.
typedef enum { RT_BF16_PORTABLE = 0, RT_BF16_AVX512 = 1, RT_BF16_AMX = 2, RT_BF16_WIDENED = 3 } rt_bf16_kernel;

/// Non-zero when this CPU (and, for AMX, the OS: Linux grants tile state per process) can run `kernel`.
int rt_bf16_kernel_available(rt_bf16_kernel kernel);

/// The fastest available kernel: AMX; else AVX-512 BF16 where `vdpbf16ps` is fast (rt_bf16_dot_is_fast); else
/// the widened kernel on any AVX-512F CPU; else portable.
rt_bf16_kernel rt_bf16_best_kernel(void);

/// Non-zero where `vdpbf16ps` outruns fp32 FMAs: AVX-512 BF16 on a non-Intel CPU. Intel cores issue it at half
/// the FMA rate (measured on a Xeon family 6 model 207 without AMX: 157 GFLOP/s against 295 for the fp32 GEMM at
/// 2048³ on 2 cores), so there the widened kernel is faster; AMD Zen 4 runs it at twice the fp32 rate.
int rt_bf16_dot_is_fast(void);

/// "amx-bf16", "avx512-bf16", "avx512-widened" or "portable": the kernel bf16 products run on by default.
const char *rt_bf16_kernel_name(void);

/// The name of `kernel`, as rt_bf16_kernel_name spells it.
const char *rt_bf16_kernel_label(rt_bf16_kernel kernel);

/// Which A layout `kernel` reads: 0 for 12-row panels (portable, AVX-512 BF16, widened), 1 for AMX tile panels.
int rt_bf16_layout(rt_bf16_kernel kernel);

/// Rows per packed A panel in `kernel`'s layout: split A's rows across workers only at multiples of this.
long rt_bf16_kernel_panel_rows(rt_bf16_kernel kernel);

/// uint16 elements between consecutive A panels in `kernel`'s layout, for a matrix with k columns.
size_t rt_bf16_kernel_panel_stride(rt_bf16_kernel kernel, long k);

/// uint16 elements the packed form of an m x k matrix needs in `kernel`'s layout.
size_t rt_bf16_kernel_packed_count(rt_bf16_kernel kernel, long m, long k);

/// Packs fp32 row-major a[m x k] (leading dimension lda) for `kernel`, rounding to nearest even; padding is zero.
void rt_bf16_kernel_pack(rt_bf16_kernel kernel, long m, long k, const float *a, long lda, uint16_t *packed);

/// rt_bf16_gemm on `kernel`, A packed by rt_bf16_kernel_pack for that kernel. A kernel the CPU lacks falls back
/// to the next one reading the same layout (AVX-512 BF16 to portable); AMX-packed A without AMX aborts.
void rt_bf16_kernel_gemm(rt_bf16_kernel kernel, long m, long n, long k, const uint16_t *packed_a, const float *b,
                         long ldb, int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta);

/// Rows per packed A panel: split A's rows across workers only at multiples of this.
long rt_bf16_panel_rows(void);

/// Number of uint16 elements the packed form of an m x k matrix needs (m padded to whole panels, k to even).
size_t rt_bf16_packed_count(long m, long k);

/// Elements of packed A between the starts of two consecutive panels (for a matrix with k columns).
size_t rt_bf16_panel_stride(long k);

/// Packs fp32 row-major a[m x k] (leading dimension lda) into bf16 panels, rounding to nearest even.
/// `packed` must hold rt_bf16_packed_count(m, k) elements; padding is zero-filled.
void rt_bf16_pack(long m, long k, const float *a, long lda, uint16_t *packed);

/// C = A · op(B) + beta · C, A packed by rt_bf16_pack, fp32 accumulation.
///
/// op(B) is k x n: when b_transposed is zero, B is stored k x n row-major (b[p * ldb + j]); otherwise it is
/// stored n x k (b[j * ldb + p]). C[i][j] lives at c[i * c_row_stride + j * c_col_stride]. With beta == 0, C is
/// not read. Uses AVX-512 BF16 when the CPU has it, the portable path otherwise.
void rt_bf16_gemm(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb, int b_transposed,
                  float *c, long c_row_stride, long c_col_stride, float beta);

/// rt_bf16_gemm on the portable path regardless of the CPU (bf16-rounded inputs, fp32 arithmetic, the same
/// pair order and k blocking as the AVX-512 path). For tests and CPUs without AVX-512 BF16.
void rt_bf16_gemm_portable(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb,
                           int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta);

/// Rounds one float to bf16 (nearest even, denormals to signed zero, NaN kept quiet) and back.
float rt_bf16_round(float x);
