#include "CKernels.h"
#include <math.h>
#include <string.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__clang__)
#define RT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RT_CLONES
#endif

// exp(x) for float: Cody-Waite range reduction x = n ln2 + r, degree-6 polynomial on r, 2^n by exponent bits.
// Relative error about 2 ulp over [-87, 88]; written branch-free so loops calling it vectorise.
static inline float rt_expf(float x) {
    float underflow = x < -87.3f ? 0.0f : 1.0f;
    x = fminf(fmaxf(x, -87.3f), 88.7f);
    float n = __builtin_roundevenf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale * underflow;
}

// erf(x) from Abramowitz & Stegun 7.1.26 refined: max absolute error 1.5e-7.
static inline float rt_erff(float x) {
    float s = x < 0 ? -1.0f : 1.0f;
    float a = fabsf(x);
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float y = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    return s * (1.0f - y * rt_expf(-a * a));
}

static inline float rt_sigmoidf(float x) { return 1.0f / (1.0f + rt_expf(-x)); }

// Sums with 16 independent partial sums, so the loop vectorises without reassociation flags.
static inline float rt_sum(const float *x, long n) {
    float partial[16] = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) partial[j] += x[i + j];
    float sum = 0;
    for (int j = 0; j < 16; j++) sum += partial[j];
    for (; i < n; i++) sum += x[i];
    return sum;
}

RT_CLONES
void rt_softmax_rows(float *x, long rows, long cols, long stride, float scale) {
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        float maximum = -INFINITY;
        for (long i = 0; i < cols; i++) maximum = fmaxf(maximum, row[i]);
        float shift = maximum * scale;
        for (long i = 0; i < cols; i++) row[i] = rt_expf(row[i] * scale - shift);
        float inverse = 1.0f / rt_sum(row, cols);
        for (long i = 0; i < cols; i++) row[i] *= inverse;
    }
}

RT_CLONES
void rt_silu(const float *in, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = in[i] * rt_sigmoidf(in[i]);
}

RT_CLONES
void rt_gelu_erf(const float *in, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = 0.5f * in[i] * (1.0f + rt_erff(in[i] * 0.70710678118654752f));
}

RT_CLONES
void rt_gelu_tanh(const float *in, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float v = in[i];
        float u = 0.79788456080286536f * (v + 0.044715f * v * v * v);
        float t = 1.0f - 2.0f / (rt_expf(2.0f * u) + 1.0f);
        out[i] = 0.5f * v * (1.0f + t);
    }
}

RT_CLONES
void rt_quick_gelu(const float *in, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = in[i] * rt_sigmoidf(1.702f * in[i]);
}

RT_CLONES
void rt_geglu(const float *a, const float *b, float *out, long rows, long cols, long in_stride) {
    for (long r = 0; r < rows; r++) {
        const float *ar = a + r * in_stride;
        const float *br = b + r * in_stride;
        float *o = out + r * cols;
        for (long i = 0; i < cols; i++) {
            float g = br[i];
            o[i] = ar[i] * (0.5f * g * (1.0f + rt_erff(g * 0.70710678118654752f)));
        }
    }
}

RT_CLONES
void rt_mean_variance(const float *x, long n, double *mean, double *variance) {
    double partial[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) partial[j] += x[i + j];
    double sum = 0;
    for (int j = 0; j < 8; j++) { sum += partial[j]; partial[j] = 0; }
    for (long t = i; t < n; t++) sum += x[t];
    double m = n > 0 ? sum / (double)n : 0;
    for (i = 0; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            double d = (double)x[i + j] - m;
            partial[j] += d * d;
        }
    double squares = 0;
    for (int j = 0; j < 8; j++) squares += partial[j];
    for (long t = i; t < n; t++) {
        double d = (double)x[t] - m;
        squares += d * d;
    }
    *mean = m;
    *variance = n > 0 ? squares / (double)n : 0;
}

RT_CLONES
void rt_scale_shift(const float *in, float *out, long n, float mul, float add, int silu) {
    if (silu) {
        for (long i = 0; i < n; i++) {
            float v = in[i] * mul + add;
            out[i] = v * rt_sigmoidf(v);
        }
    } else {
        for (long i = 0; i < n; i++) out[i] = in[i] * mul + add;
    }
}

RT_CLONES
void rt_normalize_affine(const float *in, float *out, long n, float mean, float inv_std,
                         const float *gamma, const float *beta) {
    for (long i = 0; i < n; i++) out[i] = (in[i] - mean) * inv_std * gamma[i] + beta[i];
}

RT_CLONES
void rt_im2col(const float *input, long channels, long height, long width,
               long kernel_h, long kernel_w, long stride_h, long stride_w, long pad_h, long pad_w,
               long out_w, long pixel_start, long pixel_count, float *col) {
    long row = 0;
    for (long c = 0; c < channels; c++) {
        const float *plane = input + c * height * width;
        for (long ky = 0; ky < kernel_h; ky++) {
            for (long kx = 0; kx < kernel_w; kx++, row++) {
                float *dst = col + row * pixel_count;
                long p = 0;
                while (p < pixel_count) {
                    long pixel = pixel_start + p;
                    long oy = pixel / out_w;
                    long ox = pixel % out_w;
                    long run = out_w - ox;
                    if (run > pixel_count - p) run = pixel_count - p;
                    long iy = oy * stride_h - pad_h + ky;
                    if (iy < 0 || iy >= height) {
                        memset(dst + p, 0, (size_t)run * sizeof(float));
                    } else {
                        const float *src = plane + iy * width;
                        long ix0 = ox * stride_w - pad_w + kx;
                        if (stride_w == 1 && ix0 >= 0 && ix0 + run <= width) {
                            memcpy(dst + p, src + ix0, (size_t)run * sizeof(float));
                        } else {
                            for (long j = 0; j < run; j++) {
                                long ix = ix0 + j * stride_w;
                                dst[p + j] = (ix >= 0 && ix < width) ? src[ix] : 0.0f;
                            }
                        }
                    }
                    p += run;
                }
            }
        }
    }
}

RT_CLONES void rt_f16_to_f32(const void *source, float *destination, long count) {
    const unsigned char *bytes = source;
    for (long i = 0; i < count; i++) {
        _Float16 h;
        memcpy(&h, bytes + 2 * i, 2);
        destination[i] = (float)h;
    }
}
