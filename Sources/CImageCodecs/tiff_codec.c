// libtiff shims. libtiff reports through handlers rather than longjmp; per-file handlers (libtiff 4.5
// TIFFOpenOptions) capture the first error message into the caller's buffer, and the process-wide
// handlers are cleared once so nothing is ever printed to stderr.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include "common.h"

// MARK: - In-memory client I/O

typedef struct tiff_memory {
    uint8_t *data;        // owned when writing
    const uint8_t *input; // borrowed when reading
    size_t size;
    size_t capacity;
    size_t position;
    int writable;
} tiff_memory;

static tmsize_t memory_read(thandle_t handle, void *buffer, tmsize_t length) {
    tiff_memory *memory = handle;
    if (length < 0) return -1;
    const uint8_t *source = memory->writable ? memory->data : memory->input;
    size_t available = memory->position < memory->size ? memory->size - memory->position : 0;
    size_t count = (size_t)length < available ? (size_t)length : available;
    if (count > 0) memcpy(buffer, source + memory->position, count);
    memory->position += count;
    return (tmsize_t)count;
}

static tmsize_t memory_write(thandle_t handle, void *buffer, tmsize_t length) {
    tiff_memory *memory = handle;
    if (!memory->writable || length < 0) return -1;
    size_t count = (size_t)length;
    if (memory->position > SIZE_MAX - count) return -1;
    size_t end = memory->position + count;
    if (end > memory->capacity) {
        size_t capacity = memory->capacity == 0 ? 65536 : memory->capacity;
        while (capacity < end) {
            if (capacity > SIZE_MAX / 2) return -1;
            capacity *= 2;
        }
        uint8_t *grown = realloc(memory->data, capacity);
        if (grown == NULL) return -1;
        memory->data = grown;
        memory->capacity = capacity;
    }
    if (memory->position > memory->size) memset(memory->data + memory->size, 0, memory->position - memory->size);
    memcpy(memory->data + memory->position, buffer, count);
    memory->position = end;
    if (end > memory->size) memory->size = end;
    return length;
}

static toff_t memory_seek(thandle_t handle, toff_t offset, int whence) {
    tiff_memory *memory = handle;
    uint64_t base = whence == SEEK_CUR ? memory->position : (whence == SEEK_END ? memory->size : 0);
    uint64_t target = base + offset;
    if (target > (uint64_t)SIZE_MAX / 2) return (toff_t)-1;
    memory->position = (size_t)target;
    return target;
}

static int memory_close(thandle_t handle) { (void)handle; return 0; }
static toff_t memory_size(thandle_t handle) { return ((tiff_memory *)handle)->size; }
static int memory_map(thandle_t handle, void **base, toff_t *size) {
    (void)handle; (void)base; (void)size;
    return 0;
}
static void memory_unmap(thandle_t handle, void *base, toff_t size) { (void)handle; (void)base; (void)size; }

// MARK: - Diagnostics

typedef struct tiff_diagnostics {
    char *error;
    size_t error_size;
    int has_error;
} tiff_diagnostics;

static int on_tiff_error(TIFF *tiff, void *user_data, const char *module, const char *format, va_list args) {
    (void)tiff;
    (void)module;
    tiff_diagnostics *diagnostics = user_data;
    if (!diagnostics->has_error && diagnostics->error != NULL && diagnostics->error_size > 0) {
        vsnprintf(diagnostics->error, diagnostics->error_size, format, args);
        diagnostics->has_error = 1;
    }
    return 1;  // handled: do not call the process-wide handler
}

static int on_tiff_warning(TIFF *tiff, void *user_data, const char *module, const char *format, va_list args) {
    (void)tiff; (void)user_data; (void)module; (void)format; (void)args;
    return 1;
}

static pthread_once_t silence_once = PTHREAD_ONCE_INIT;
static void silence_global_handlers(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

static TIFF *open_memory(const char *mode, tiff_memory *memory, tiff_diagnostics *diagnostics) {
    pthread_once(&silence_once, silence_global_handlers);
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_tiff_error, diagnostics);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_tiff_warning, diagnostics);
    TIFF *tiff = TIFFClientOpenExt("image", mode, memory, memory_read, memory_write, memory_seek,
                                   memory_close, memory_size, memory_map, memory_unmap, options);
    TIFFOpenOptionsFree(options);
    return tiff;
}

static void fail(tiff_diagnostics *diagnostics, const char *fallback) {
    if (!diagnostics->has_error) ric_set_error(diagnostics->error, diagnostics->error_size, fallback);
    diagnostics->has_error = 1;
}

// MARK: - Reading

static void unpremultiply(ric_image *image) {
    size_t count = (size_t)image->width * (size_t)image->height;
    int channels = image->channels;
    if (image->bit_depth == 8) {
        uint8_t *p = image->pixels;
        for (size_t i = 0; i < count; i++, p += channels) {
            unsigned alpha = p[channels - 1];
            for (int c = 0; c < channels - 1; c++) {
                unsigned value = alpha == 0 ? 0 : (p[c] * 255u + alpha / 2) / alpha;
                p[c] = (uint8_t)(value > 255 ? 255 : value);
            }
        }
    } else {
        uint16_t *p = image->pixels;
        for (size_t i = 0; i < count; i++, p += channels) {
            uint64_t alpha = p[channels - 1];
            for (int c = 0; c < channels - 1; c++) {
                uint64_t value = alpha == 0 ? 0 : (p[c] * 65535u + alpha / 2) / alpha;
                p[c] = (uint16_t)(value > 65535 ? 65535 : value);
            }
        }
    }
}

/// Strip-based, contiguous 8/16-bit unsigned gray, gray+alpha, RGB or RGBA: read the samples as stored.
static int read_scanlines(TIFF *tiff, ric_image *out, uint16_t bits, uint16_t samples, uint16_t photometric,
                          int associated_alpha, tiff_diagnostics *diagnostics) {
    size_t bytes_per_sample = bits / 8;
    size_t row_bytes = (size_t)out->width * samples * bytes_per_sample;
    if ((size_t)TIFFScanlineSize(tiff) != row_bytes) {
        fail(diagnostics, "unexpected TIFF scanline size");
        return RIC_ERROR;
    }
    out->pixels = malloc(row_bytes * (size_t)out->height);
    if (out->pixels == NULL) {
        fail(diagnostics, "out of memory for the pixels");
        return RIC_ERROR;
    }
    out->channels = samples;
    out->bit_depth = bits;
    for (int32_t y = 0; y < out->height; y++) {
        if (TIFFReadScanline(tiff, (uint8_t *)out->pixels + (size_t)y * row_bytes, (uint32_t)y, 0) < 0) {
            fail(diagnostics, "could not read the image data");
            return RIC_ERROR;
        }
    }
    if (photometric == PHOTOMETRIC_MINISWHITE) {
        size_t count = (size_t)out->width * (size_t)out->height * samples;
        for (size_t i = 0; i < count; i += samples) {
            if (bits == 8) ((uint8_t *)out->pixels)[i] = 255 - ((uint8_t *)out->pixels)[i];
            else ((uint16_t *)out->pixels)[i] = 65535 - ((uint16_t *)out->pixels)[i];
        }
    }
    if (associated_alpha) unpremultiply(out);
    return RIC_OK;
}

/// Everything else libtiff can render (palette, bilevel, YCbCr, tiled, planar, CMYK...) as 8-bit RGBA.
static int read_rgba(TIFF *tiff, ric_image *out, int has_alpha, tiff_diagnostics *diagnostics) {
    char message[1024] = "";
    if (!TIFFRGBAImageOK(tiff, message)) {
        if (message[0] != 0) {
            diagnostics->has_error = 0;
            ric_set_errorf(diagnostics->error, diagnostics->error_size, "unsupported TIFF layout: %s", message);
            diagnostics->has_error = 1;
        }
        fail(diagnostics, "unsupported TIFF layout");
        return RIC_ERROR;
    }
    size_t count = (size_t)out->width * (size_t)out->height;
    uint32_t *raster = malloc(count * sizeof(uint32_t));
    if (raster == NULL) {
        fail(diagnostics, "out of memory for the pixels");
        return RIC_ERROR;
    }
    // Ask for the rows in stored order (no flips); the Swift side applies the orientation tag for every
    // layout alike, including the transposing orientations 5-8 that TIFFRGBAImage cannot do.
    TIFFRGBAImage rendering;
    int ok = TIFFRGBAImageBegin(&rendering, tiff, 0, message);
    if (ok) {
        rendering.req_orientation = rendering.orientation;
        ok = TIFFRGBAImageGet(&rendering, raster, (uint32_t)out->width, (uint32_t)out->height);
        TIFFRGBAImageEnd(&rendering);
    }
    if (!ok) {
        free(raster);
        fail(diagnostics, message[0] != 0 ? message : "could not read the image data");
        return RIC_ERROR;
    }
    int channels = has_alpha ? 4 : 3;
    uint8_t *pixels = malloc(count * (size_t)channels);
    if (pixels == NULL) {
        free(raster);
        fail(diagnostics, "out of memory for the pixels");
        return RIC_ERROR;
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t value = raster[i];
        uint8_t *p = pixels + i * (size_t)channels;
        p[0] = (uint8_t)TIFFGetR(value);
        p[1] = (uint8_t)TIFFGetG(value);
        p[2] = (uint8_t)TIFFGetB(value);
        if (has_alpha) p[3] = (uint8_t)TIFFGetA(value);
    }
    free(raster);
    if (has_alpha) {
        // TIFFRGBAImage premultiplies associated alpha and leaves unassociated alpha as is.
        out->pixels = pixels;
        out->channels = 4;
        out->bit_depth = 8;
    } else {
        out->pixels = pixels;
        out->channels = 3;
        out->bit_depth = 8;
    }
    return RIC_OK;
}

static int tiff_read_body(TIFF *tiff, uint64_t max_pixels, ric_image *out, tiff_diagnostics *diagnostics) {
    tdir_t pages = TIFFNumberOfDirectories(tiff);
    out->page_count = pages < 1 ? 1 : (int32_t)pages;
    if (pages > 1 && !TIFFSetDirectory(tiff, 0)) {
        fail(diagnostics, "could not read the first image directory");
        return RIC_ERROR;
    }
    diagnostics->has_error = 0;  // a damaged later directory does not matter for the first image
    ric_set_error(diagnostics->error, diagnostics->error_size, "");

    uint32_t width = 0, height = 0;
    if (!TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height)) {
        fail(diagnostics, "the TIFF has no image width or length");
        return RIC_ERROR;
    }
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    if (width == 0 || height == 0 || width > INT32_MAX || height > INT32_MAX) {
        fail(diagnostics, "the TIFF declares an invalid image size");
        return RIC_ERROR;
    }
    if (ric_exceeds(width, height, max_pixels)) return RIC_TOO_LARGE;

    uint16_t bits = 1, samples = 1, photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG;
    uint16_t format = SAMPLEFORMAT_UINT, extra_count = 0;
    uint16_t *extra = NULL;
    TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);
    if (!TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric)) {
        photometric = samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    }
    int associated = extra_count > 0 && extra != NULL && extra[0] == EXTRASAMPLE_ASSOCALPHA;
    uint16_t orientation = ORIENTATION_TOPLEFT;
    TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &orientation);
    out->orientation = orientation >= 1 && orientation <= 8 ? orientation : ORIENTATION_TOPLEFT;

    int gray = (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE) &&
               (samples == 1 || (samples == 2 && extra_count == 1));
    int rgb = photometric == PHOTOMETRIC_RGB && (samples == 3 || (samples == 4 && extra_count == 1));
    if ((gray || rgb) && (bits == 8 || bits == 16) && format == SAMPLEFORMAT_UINT &&
        planar == PLANARCONFIG_CONTIG && !TIFFIsTiled(tiff)) {
        return read_scanlines(tiff, out, bits, samples, photometric, associated, diagnostics);
    }
    if (format != SAMPLEFORMAT_UINT) {
        ric_set_errorf(diagnostics->error, diagnostics->error_size,
                       "unsupported TIFF sample format (%s samples)",
                       format == SAMPLEFORMAT_IEEEFP ? "floating-point" : "signed or complex");
        diagnostics->has_error = 1;
        return RIC_ERROR;
    }
    return read_rgba(tiff, out, extra_count > 0, diagnostics);
}

int ric_tiff_read(const uint8_t *data, size_t size, uint64_t max_pixels, ric_image *out,
                  char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    out->page_count = 1;
    ric_set_error(error, error_size, "");
    tiff_memory memory = { .input = data, .size = size };
    tiff_diagnostics diagnostics = { .error = error, .error_size = error_size };
    TIFF *tiff = open_memory("rm", &memory, &diagnostics);
    int status;
    if (tiff == NULL) {
        fail(&diagnostics, "not a readable TIFF file");
        status = RIC_ERROR;
    } else {
        status = tiff_read_body(tiff, max_pixels, out, &diagnostics);
        TIFFClose(tiff);
    }
    if (status != RIC_OK) {
        int32_t width = out->width, height = out->height;
        ric_image_free(out);
        out->width = width;
        out->height = height;
    }
    return status;
}

// MARK: - Writing

int ric_tiff_write(const ric_pixels *image, uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    *out = NULL;
    *out_size = 0;
    if (image->width <= 0 || image->height <= 0 || image->channels < 1 || image->channels > 4 ||
        (image->bit_depth != 8 && image->bit_depth != 16)) {
        ric_set_error(error, error_size, "unsupported pixel layout for TIFF");
        return RIC_ERROR;
    }
    ric_set_error(error, error_size, "");
    tiff_memory memory = { .writable = 1 };
    tiff_diagnostics diagnostics = { .error = error, .error_size = error_size };
    TIFF *tiff = open_memory("w", &memory, &diagnostics);
    if (tiff == NULL) {
        fail(&diagnostics, "could not start the TIFF");
        free(memory.data);
        return RIC_ERROR;
    }
    int channels = image->channels;
    int has_alpha = channels == 2 || channels == 4;
    uint16_t extra[1] = { EXTRASAMPLE_UNASSALPHA };
    int ok = TIFFSetField(tiff, TIFFTAG_IMAGEWIDTH, (uint32_t)image->width) &&
             TIFFSetField(tiff, TIFFTAG_IMAGELENGTH, (uint32_t)image->height) &&
             TIFFSetField(tiff, TIFFTAG_BITSPERSAMPLE, (uint16_t)image->bit_depth) &&
             TIFFSetField(tiff, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)channels) &&
             TIFFSetField(tiff, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT) &&
             TIFFSetField(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
             TIFFSetField(tiff, TIFFTAG_PHOTOMETRIC, channels >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK) &&
             TIFFSetField(tiff, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE) &&
             TIFFSetField(tiff, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL) &&
             TIFFSetField(tiff, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) &&
             TIFFSetField(tiff, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tiff, 0)) &&
             (!has_alpha || TIFFSetField(tiff, TIFFTAG_EXTRASAMPLES, (uint16_t)1, extra));
    size_t row_bytes = (size_t)image->width * (size_t)channels * (size_t)(image->bit_depth / 8);
    uint8_t *row = ok ? malloc(row_bytes) : NULL;  // libtiff may modify the row (predictor), so copy it
    if (ok && row == NULL) ok = 0;
    for (int32_t y = 0; ok && y < image->height; y++) {
        memcpy(row, (const uint8_t *)image->pixels + (size_t)y * row_bytes, row_bytes);
        ok = TIFFWriteScanline(tiff, row, (uint32_t)y, 0) >= 0;
    }
    free(row);
    if (ok) ok = TIFFWriteDirectory(tiff);
    TIFFClose(tiff);
    if (!ok || diagnostics.has_error) {
        fail(&diagnostics, "could not encode the TIFF");
        free(memory.data);
        return RIC_ERROR;
    }
    *out = memory.data;
    *out_size = memory.size;
    return RIC_OK;
}
