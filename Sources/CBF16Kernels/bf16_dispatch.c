// The one place that chooses a bf16 kernel: what the CPU can run, which A layout each kernel reads, and the
// calls by kernel. The portable and AVX-512 BF16 kernels share the 12-row panel layout (bf16_gemm.c); the AMX
// kernel reads 32-row tile panels (bf16_gemm_amx.c).
#include "CBF16Kernels.h"
#include "bf16_internal.h"
#include "CKernels.h"
#include <stdlib.h>

#if defined(__x86_64__)
int rt_bf16_supported(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") ? 1 : 0;
    }
    return cached;
}
#else
int rt_bf16_supported(void) { return 0; }
#endif

int rt_bf16_kernel_available(rt_bf16_kernel kernel) {
    switch (kernel) {
    case RT_BF16_PORTABLE: return 1;
    case RT_BF16_AVX512: return rt_bf16_supported();
    case RT_BF16_WIDENED: return rt_gemm_f32_supported(RT_GEMM_F32_AVX512);
#if defined(__x86_64__)
    case RT_BF16_AMX: return rt_bf16_supported() && rt_bf16_amx_usable();
#endif
    default: return 0;
    }
}

int rt_bf16_dot_is_fast(void) { return rt_bf16_supported() && !rt_cpu_is_intel(); }

rt_bf16_kernel rt_bf16_best_kernel(void) {
    if (rt_bf16_kernel_available(RT_BF16_AMX)) return RT_BF16_AMX;
    if (rt_bf16_dot_is_fast()) return RT_BF16_AVX512;
    if (rt_bf16_kernel_available(RT_BF16_WIDENED)) return RT_BF16_WIDENED;
    if (rt_bf16_kernel_available(RT_BF16_AVX512)) return RT_BF16_AVX512;
    return RT_BF16_PORTABLE;
}

const char *rt_bf16_kernel_label(rt_bf16_kernel kernel) {
    switch (kernel) {
    case RT_BF16_AMX: return "amx-bf16";
    case RT_BF16_AVX512: return "avx512-bf16";
    case RT_BF16_WIDENED: return "avx512-widened";
    default: return "portable";
    }
}

const char *rt_bf16_kernel_name(void) { return rt_bf16_kernel_label(rt_bf16_best_kernel()); }

int rt_bf16_layout(rt_bf16_kernel kernel) { return kernel == RT_BF16_AMX ? 1 : 0; }

long rt_bf16_kernel_panel_rows(rt_bf16_kernel kernel) { return rt_bf16_layout(kernel) ? 32 : rt_bf16_panel_rows(); }

size_t rt_bf16_kernel_panel_stride(rt_bf16_kernel kernel, long k) {
    return rt_bf16_layout(kernel) ? rt_bf16_amx_panel_stride(k) : rt_bf16_panel_stride(k);
}

size_t rt_bf16_kernel_packed_count(rt_bf16_kernel kernel, long m, long k) {
    return rt_bf16_layout(kernel) ? rt_bf16_amx_packed_count(m, k) : rt_bf16_packed_count(m, k);
}

void rt_bf16_kernel_pack(rt_bf16_kernel kernel, long m, long k, const float *a, long lda, uint16_t *packed) {
    if (rt_bf16_layout(kernel)) rt_bf16_amx_pack(m, k, a, lda, packed);
    else rt_bf16_pack(m, k, a, lda, packed);
}

void rt_bf16_kernel_gemm(rt_bf16_kernel kernel, long m, long n, long k, const uint16_t *packed_a, const float *b,
                         long ldb, int b_transposed, float *c, long c_row_stride, long c_col_stride, float beta) {
#if defined(__x86_64__)
    if (kernel == RT_BF16_AMX && rt_bf16_kernel_available(RT_BF16_AMX)) {
        rt_bf16_gemm_amx(m, n, k, packed_a, b, ldb, b_transposed, c, c_row_stride, c_col_stride, beta);
        return;
    }
    if (kernel == RT_BF16_AVX512 && rt_bf16_supported()) {
        rt_bf16_gemm_avx512(m, n, k, packed_a, b, ldb, b_transposed, c, c_row_stride, c_col_stride, beta);
        return;
    }
    if (kernel == RT_BF16_WIDENED && rt_bf16_kernel_available(RT_BF16_WIDENED)) {
        rt_gemm_f32_bf16_panels(m, n, k, (const uint32_t *)packed_a, (k + 1) / 2, b, ldb, b_transposed, beta, c,
                                c_row_stride, c_col_stride);
        return;
    }
    if (kernel == RT_BF16_AMX) abort();   // AMX-packed A on a CPU without AMX: no other kernel reads it
#endif
    rt_bf16_gemm_portable(m, n, k, packed_a, b, ldb, b_transposed, c, c_row_stride, c_col_stride, beta);
}

void rt_bf16_gemm(long m, long n, long k, const uint16_t *packed_a, const float *b, long ldb, int b_transposed,
                  float *c, long c_row_stride, long c_col_stride, float beta) {
    rt_bf16_kernel_gemm(rt_bf16_supported() ? RT_BF16_AVX512 : RT_BF16_PORTABLE, m, n, k, packed_a, b, ldb,
                        b_transposed, c, c_row_stride, c_col_stride, beta);
}
