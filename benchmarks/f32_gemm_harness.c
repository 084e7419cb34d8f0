// Standalone check and benchmark of the fp32 GEMM (Sources/CKernels/gemm_f32.c) against OpenBLAS sgemm, without Swift.
//
//   clang -O3 -ISources/CKernels/include $(pkg-config --cflags openblas) benchmarks/f32_gemm_harness.c \
//         Sources/CKernels/gemm_f32.c Sources/CKernels/cpu_features.c -o /tmp/f32_gemm_harness \
//         $(pkg-config --libs openblas) -lm
//   /tmp/f32_gemm_harness check                             # every kernel vs a double reference: odd sizes,
//                                                           # transposes, alpha, beta, NaN in C with beta = 0
//   /tmp/f32_gemm_harness bench                             # GFLOP/s on one thread, ours vs OpenBLAS's core
//   OPENBLAS_CORETYPE=SkylakeX /tmp/f32_gemm_harness bench  # the same against OpenBLAS's SkylakeX kernel
//   /tmp/f32_gemm_harness bench linear                      # only shapes whose name contains "linear"
// Times are the thread's CPU time (best of several interleaved runs), so that other processes on a shared
// machine do not count; cache contention from them still does.
#include "CKernels.h"
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int);
char *openblas_get_corename(void);

static const char *kernel_names[] = {"portable", "avx2", "avx512"};

/// This thread's CPU time: on a shared machine, time other processes hold the core is not counted.
static double now(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static float frand(unsigned *s) { *s = *s * 1664525u + 1013904223u; return ((*s >> 8) / 16777216.0f) * 2 - 1; }

/// op(X)(i, j) of a row-major X with leading dimension ld.
static double at(const float *x, long ld, int t, long i, long j) { return t ? x[j * ld + i] : x[i * ld + j]; }

static int check(int kernel, long m, long n, long k, int ta, int tb, float alpha, float beta) {
    unsigned s = 99 + m * 7 + n * 13 + k * 3 + ta * 5 + tb;
    long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    long arows = ta ? k : m, brows = tb ? n : k;
    float *a = malloc(sizeof(float) * arows * lda), *b = malloc(sizeof(float) * brows * ldb);
    float *c = malloc(sizeof(float) * m * ldc), *c0 = malloc(sizeof(float) * m * ldc);
    for (long i = 0; i < arows * lda; i++) a[i] = frand(&s);
    for (long i = 0; i < brows * ldb; i++) b[i] = frand(&s);
    for (long i = 0; i < m * ldc; i++) c[i] = c0[i] = beta == 0 ? NAN : frand(&s);
    rt_gemm_f32(kernel, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    double worst = 0, scale = 1;
    int ok = 1;
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < ldc; j++) {
            float got = c[i * ldc + j];
            if (j >= n) { ok &= memcmp(&got, &c0[i * ldc + j], 4) == 0; continue; }   // padding untouched
            double sum = 0;
            for (long p = 0; p < k; p++) sum += at(a, lda, ta, i, p) * at(b, ldb, tb, p, j);
            double want = alpha * sum + (beta == 0 ? 0 : beta * (double)c0[i * ldc + j]);
            if (isnan(got)) ok = 0;
            worst = fmax(worst, fabs(got - want));
            scale = fmax(scale, fabs(want));
        }
    }
    double tolerance = 4e-7 * sqrt((double)k + 1) * fmax(scale, 1) * 4;
    ok &= worst <= tolerance;
    if (!ok) printf("FAIL %-8s m=%ld n=%ld k=%ld ta=%d tb=%d alpha=%g beta=%g: maxerr %.3g (tolerance %.3g)\n",
                    kernel_names[kernel], m, n, k, ta, tb, alpha, beta, worst, tolerance);
    free(a); free(b); free(c); free(c0);
    return ok;
}

static void bench(const char *name, long m, long n, long k, int ta, int tb) {
    long lda = ta ? m : k, ldb = tb ? k : n;
    float *a = malloc(4 * m * k), *b = malloc(4 * k * n), *c = malloc(4 * m * n);
    unsigned s = 1;
    for (long i = 0; i < m * k; i++) a[i] = frand(&s);
    for (long i = 0; i < k * n; i++) b[i] = frand(&s);
    double flop = 2.0 * m * n * k;
    int reps = flop > 4e9 ? 3 : flop > 2e8 ? 7 : 25;
    double ours[3] = {0}, blas = 1e9;
    for (int rep = 0; rep < reps; rep++) {   // interleaved, best of reps
        for (int kernel = 1; kernel < 3; kernel++) {
            if (!rt_gemm_f32_supported(kernel)) continue;
            double t0 = now();
            rt_gemm_f32(kernel, ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n);
            double t = now() - t0;
            if (ours[kernel] == 0 || t < ours[kernel]) ours[kernel] = t;
        }
        double t0 = now();
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    m, n, k, 1, a, lda, b, ldb, 0, c, n);
        double t = now() - t0;
        if (t < blas) blas = t;
    }
    printf("%-22s m=%-5ld n=%-5ld k=%-5ld ta=%d tb=%d  openblas %6.1f  avx2 %6.1f  avx512 %6.1f GFLOP/s  avx512/openblas %.2f\n",
           name, m, n, k, ta, tb, flop / blas / 1e9, ours[1] ? flop / ours[1] / 1e9 : 0,
           ours[2] ? flop / ours[2] / 1e9 : 0, ours[2] ? blas / ours[2] : 0);
    fflush(stdout);
    free(a); free(b); free(c);
}

int main(int argc, char **argv) {
    openblas_set_num_threads(1);
    char brand[64];
    rt_cpu_model_name(brand, sizeof brand);
    printf("cpu '%s' features 0x%x, best kernel %s, OpenBLAS core %s\n", brand, rt_cpu_features(),
           kernel_names[rt_gemm_f32_best()], openblas_get_corename());
    if (argc > 1 && !strcmp(argv[1], "check")) {
        long sizes[][3] = {{1, 1, 1}, {1, 17, 5}, {13, 1, 7}, {12, 32, 1}, {13, 33, 3}, {5, 7, 0}, {37, 71, 129},
                           {100, 50, 513}, {25, 600, 300}, {300, 40, 390}, {3, 1000, 17}, {24, 64, 256},
                           {400, 700, 20}, {11, 16, 385}};
        int count = sizeof sizes / sizeof sizes[0], ok = 1, runs = 0;
        float alphas[] = {1, 0.5f, -2}, betas[] = {0, 1, 0.25f};
        for (int kernel = 0; kernel < 3; kernel++) {
            if (!rt_gemm_f32_supported(kernel)) { printf("skip %s (not supported here)\n", kernel_names[kernel]); continue; }
            for (int i = 0; i < count; i++)
                for (int t = 0; t < 4; t++) {
                    ok &= check(kernel, sizes[i][0], sizes[i][1], sizes[i][2], t & 1, t >> 1, alphas[(i + t) % 3], betas[i % 3]);
                    runs++;
                }
            ok &= check(kernel, 9, 9, 9, 0, 0, 0, 0.5f);   // alpha = 0: C = beta C
            runs++;
        }
        printf("%s (%d cases)\n", ok ? "ALL OK" : "SOME FAILED", runs);
        return !ok;
    }
    struct { const char *name; long m, n, k; int ta, tb; } shapes[] = {
        {"square-2048", 2048, 2048, 2048, 0, 0},
        {"im2col-320-64x64", 320, 4096, 2880, 0, 0},
        {"im2col-320-64x64-half", 320, 2048, 2880, 0, 0},
        {"im2col-640-32x32", 640, 1024, 5760, 0, 0},
        {"im2col-1280-16x16", 1280, 256, 11520, 0, 0},
        {"im2col-1280-8x8-half", 640, 64, 11520, 0, 0},
        {"winograd-320", 320, 1024, 320, 0, 0},
        {"winograd-640", 640, 256, 640, 0, 0},
        {"winograd-1280", 1280, 64, 1280, 0, 0},
        {"winograd-128-vae", 128, 4096, 128, 0, 0},
        {"winograd-512-vae", 512, 1024, 512, 0, 0},
        {"linear-4096x320x320", 4096, 320, 320, 0, 1},
        {"linear-4096x320x2560", 4096, 2560, 320, 0, 1},
        {"linear-4096x1280x320", 4096, 320, 1280, 0, 1},
        {"linear-77x768x768", 77, 768, 768, 0, 1},
        {"attention-qk-256", 256, 4096, 40, 0, 1},
        {"attention-pv-256", 256, 40, 4096, 0, 0},
        {"attention-qk-4096", 4096, 4096, 40, 0, 1},
    };
    int count = sizeof shapes / sizeof shapes[0];
    for (int i = 0; i < count; i++) {
        if (argc > 2 && !strstr(shapes[i].name, argv[2])) continue;
        bench(shapes[i].name, shapes[i].m, shapes[i].n, shapes[i].k, shapes[i].ta, shapes[i].tb);
    }
    return 0;
}
