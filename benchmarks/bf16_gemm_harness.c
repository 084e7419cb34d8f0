// Standalone check and benchmark of the bf16 GEMM (Sources/CBF16Kernels) against OpenBLAS sgemm, without Swift.
//
//   clang -O3 -ISources/CBF16Kernels/include $(pkg-config --cflags openblas) benchmarks/bf16_gemm_harness.c \
//         Sources/CBF16Kernels/*.c -o /tmp/bf16_gemm_harness $(pkg-config --libs openblas) -lpthread -lm
//   /tmp/bf16_gemm_harness check          # odd sizes, transposed B, beta, swapped C strides, every kernel the CPU has
//   /tmp/bf16_gemm_harness bench 1 [K]    # GFLOP/s on one thread (2 for two threads, split by columns)
//   /tmp/bf16_gemm_harness linear [K]     # transposed B and C, as linear layers use it (one thread)
//   /tmp/bf16_gemm_harness shapes 1 [K]   # Winograd, attention and im2col shapes of the UNet at 512 px
// K is the kernel: 0 portable, 1 AVX-512 BF16, 2 AMX (default: the best the CPU has).
#include "CBF16Kernels.h"
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#include <string.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static float frand(unsigned *s) { *s = *s * 1664525u + 1013904223u; return ((*s >> 8) / 16777216.0f) * 2 - 1; }

// reference: C = A op(B) + beta C with bf16-rounded inputs, double accumulation
static void reference(long m, long n, long k, const float *a, const float *b, long ldb, int bt, float *c, long rs, long cs, float beta) {
    for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) {
        double s = 0;
        for (long p = 0; p < k; p++) s += (double)rt_bf16_round(a[i*k+p]) * rt_bf16_round(bt ? b[j*ldb+p] : b[p*ldb+j]);
        float *d = c + i*rs + j*cs;
        *d = (float)(s + (beta == 0 ? 0 : beta * (double)*d));
    }
}

static rt_bf16_kernel kernel = RT_BF16_PORTABLE;

static int check(long m, long n, long k, int bt, int swapped, float beta, rt_bf16_kernel with) {
    unsigned s = 1234 + m * 7 + n * 13 + k;
    long ldb = bt ? k + 3 : n + 5;
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * (bt ? n : k) * ldb);
    for (long i = 0; i < m * k; i++) a[i] = frand(&s);
    for (long i = 0; i < (bt ? n : k) * ldb; i++) b[i] = frand(&s);
    long rs = swapped ? 1 : n + 2, cs = swapped ? m + 1 : 1;
    long csize = swapped ? (m + 1) * n : m * (n + 2);
    float *c = malloc(sizeof(float) * csize), *r = malloc(sizeof(float) * csize);
    for (long i = 0; i < csize; i++) c[i] = r[i] = frand(&s);
    uint16_t *pa = malloc(2 * rt_bf16_kernel_packed_count(with, m, k));
    rt_bf16_kernel_pack(with, m, k, a, k, pa);
    rt_bf16_kernel_gemm(with, m, n, k, pa, b, ldb, bt, c, rs, cs, beta);
    reference(m, n, k, a, b, ldb, bt, r, rs, cs, beta);
    double worst = 0, scale = 0;
    for (long i = 0; i < csize; i++) { worst = fmax(worst, fabs(c[i] - r[i])); scale = fmax(scale, fabs(r[i])); }
    int ok = worst <= 1e-5 * fmax(scale, 1) && !isnan(worst);
    printf("%s m=%ld n=%ld k=%ld bt=%d swapped=%d beta=%g %s: maxerr %.3g scale %.3g\n", ok ? "ok  " : "FAIL", m, n, k, bt, swapped, beta, rt_bf16_kernel_label(with), worst, scale);
    free(a); free(b); free(c); free(r); free(pa);
    return ok;
}

typedef struct { long m, n, k; const uint16_t *pa; const float *b; float *c; long j0, j1; } job;
static void *run(void *p) { job *j = p; rt_bf16_kernel_gemm(kernel, j->m, j->j1 - j->j0, j->k, j->pa, j->b + j->j0, j->n, 0, j->c + j->j0, j->n, 1, 0); return 0; }
static void bench_linear(long rows, long in, long out) {
    float *x = malloc(4 * rows * in), *w = malloc(4 * out * in), *y = malloc(4 * rows * out);
    unsigned s = 1; for (long i = 0; i < rows * in; i++) x[i] = frand(&s); for (long i = 0; i < out * in; i++) w[i] = frand(&s);
    uint16_t *pw = malloc(2 * rt_bf16_kernel_packed_count(kernel, out, in)); rt_bf16_kernel_pack(kernel, out, in, w, in, pw);
    double best = 1e9, sbest = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        rt_bf16_kernel_gemm(kernel, out, rows, in, pw, x, in, 1, y, 1, out, 0);
        double t1 = now(); if (t1 - t0 < best) best = t1 - t0;
        t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out, in, 1, x, in, w, in, 0, y, out);
        t1 = now(); if (t1 - t0 < sbest) sbest = t1 - t0;
    }
    double fl = 2.0 * rows * in * out;
    printf("linear rows=%ld in=%ld out=%ld 1 thread: bf16 %.1f GFLOP/s, sgemm %.1f, ratio %.2f\n", rows, in, out, fl / best / 1e9, fl / sbest / 1e9, sbest / best);
}
typedef struct { long m, n, k; const float *a, *b; float *c; long j0, j1; } sjob;
static void *srun(void *p) { sjob *j = p; cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, j->m, j->j1 - j->j0, j->k, 1, j->a, j->k, j->b + j->j0, j->n, 0, j->c + j->j0, j->n); return 0; }

static void bench(long m, long n, long k, int threads) {
    float *a = malloc(4 * m * k), *b = malloc(4 * k * n), *c = malloc(4 * m * n);
    unsigned s = 1; for (long i = 0; i < m * k; i++) a[i] = frand(&s); for (long i = 0; i < k * n; i++) b[i] = frand(&s);
    uint16_t *pa = malloc(2 * rt_bf16_kernel_packed_count(kernel, m, k)); rt_bf16_kernel_pack(kernel, m, k, a, k, pa);
    double best = 1e9, sbest = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        pthread_t t[8]; job jobs[8]; sjob sj[8];
        double t0 = now();
        for (int w = 0; w < threads; w++) { jobs[w] = (job){m, n, k, pa, b, c, n * w / threads, n * (w + 1) / threads}; pthread_create(&t[w], 0, run, &jobs[w]); }
        for (int w = 0; w < threads; w++) pthread_join(t[w], 0);
        double t1 = now(); if (t1 - t0 < best) best = t1 - t0;
        t0 = now();
        for (int w = 0; w < threads; w++) { sj[w] = (sjob){m, n, k, a, b, c, n * w / threads, n * (w + 1) / threads}; pthread_create(&t[w], 0, srun, &sj[w]); }
        for (int w = 0; w < threads; w++) pthread_join(t[w], 0);
        t1 = now(); if (t1 - t0 < sbest) sbest = t1 - t0;
    }
    double fl = 2.0 * m * n * k;
    printf("m=%ld n=%ld k=%ld threads=%d: bf16 %.1f GFLOP/s, sgemm %.1f GFLOP/s, ratio %.2f\n", m, n, k, threads, fl / best / 1e9, fl / sbest / 1e9, sbest / best);
    free(a); free(b); free(c); free(pa);
}

int main(int argc, char **argv) {
    openblas_set_num_threads(1);
    kernel = rt_bf16_best_kernel();
    if (argc > 3 || (argc > 2 && !strcmp(argv[1], "linear"))) kernel = (rt_bf16_kernel)atoi(argv[argc - 1]);
    if (!rt_bf16_kernel_available(kernel)) { printf("kernel %d not available\n", kernel); return 1; }
    printf("best kernel %s, timing %s\n", rt_bf16_kernel_name(), rt_bf16_kernel_label(kernel));
    if (argc > 1 && !strcmp(argv[1], "check")) {
        int ok = 1;
        long sizes[][3] = {{1,1,1},{12,32,2},{13,33,3},{5,7,1},{37,71,129},{100,50,513},{25,600,300},{800,40,260},{3,1000,17},{24,64,256},
                           {33,17,33},{64,64,64},{40,300,4096},{1100,600,1030},{16,16,31}};
        for (int i = 0; i < 15; i++) for (int bt = 0; bt < 2; bt++) for (int sw = 0; sw < 2; sw++)
            for (int kn = 0; kn < 3; kn++) if (rt_bf16_kernel_available((rt_bf16_kernel)kn))
                ok &= check(sizes[i][0], sizes[i][1], sizes[i][2], bt, sw, (i & 1) ? 1.0f : (i % 3 == 0 ? 0.5f : 0.0f), (rt_bf16_kernel)kn);
        printf(ok ? "ALL OK\n" : "SOME FAILED\n");
        return !ok;
    }
    if (argc > 1 && !strcmp(argv[1], "linear")) { bench_linear(4096, 320, 1280); bench_linear(4096, 1280, 320); bench_linear(77, 768, 3072); return 0; }
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (argc > 1 && !strcmp(argv[1], "shapes")) {
        // Winograd per-xi GEMMs at 512 px, batch 2 (m = Cout, k = Cin, n = tiles), an im2col 3x3 conv, and the
        // attention products of one head at 64x64 latents: S^T = K Q^T (k = 40) and O^T = V^T P^T (m = 40).
        long shapes[][3] = {{320,2048,320},{640,512,640},{1280,128,1280},{1280,32,2560},{320,4096,2880},
                            {4096,256,40},{40,256,4096},{77,256,40},{40,256,77}};
        for (int i = 0; i < 9; i++) bench(shapes[i][0], shapes[i][1], shapes[i][2], threads);
        return 0;
    }
    long shapes[][3] = {{2048,2048,2048},{320,4096,2880},{1280,4096,320},{320,4096,320}};
    for (int i = 0; i < 4; i++) bench(shapes[i][0], shapes[i][1], shapes[i][2], threads);
}
