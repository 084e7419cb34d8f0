// libjpeg shims. libjpeg reports fatal errors through error_exit, which here records the message and
// longjmps back into the *_body function; warnings are silenced, except premature end of data, which is
// treated as an error so truncated files are refused instead of decoded half grey.
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

typedef struct jpeg_error_context {
    struct jpeg_error_mgr manager;  // first, so the library's pointer can be cast back
    jmp_buf jump;
    char *error;
    size_t error_size;
} jpeg_error_context;

static void record_and_jump(j_common_ptr info, const char *prefix) {
    jpeg_error_context *context = (jpeg_error_context *)info->err;
    char message[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, message);
    ric_set_errorf(context->error, context->error_size, "%s%s", prefix, message);
    longjmp(context->jump, 1);
}

static void on_jpeg_error(j_common_ptr info) { record_and_jump(info, ""); }

static void on_jpeg_message(j_common_ptr info, int level) {
    if (level == -1 && info->err->msg_code == JWRN_JPEG_EOF) {
        record_and_jump(info, "the file is truncated: ");
    }
}

static void on_jpeg_output(j_common_ptr info) { (void)info; }

static void install_error_handlers(jpeg_error_context *context, char *error, size_t error_size) {
    jpeg_std_error(&context->manager);
    context->manager.error_exit = on_jpeg_error;
    context->manager.emit_message = on_jpeg_message;
    context->manager.output_message = on_jpeg_output;
    context->error = error;
    context->error_size = error_size;
}

typedef struct jpeg_read_context {
    struct jpeg_decompress_struct info;
    jpeg_error_context errors;
    const uint8_t *data;
    size_t size;
    uint64_t max_pixels;
    uint8_t *samples;  // decoded samples before CMYK conversion
    ric_image *out;
} jpeg_read_context;

static void copy_exif(jpeg_read_context *context) {
    static const uint8_t signature[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr marker = context->info.marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length <= sizeof signature) continue;
        if (memcmp(marker->data, signature, sizeof signature) != 0) continue;
        size_t length = marker->data_length - sizeof signature;
        context->out->exif = malloc(length);
        if (context->out->exif != NULL) {
            memcpy(context->out->exif, marker->data + sizeof signature, length);
            context->out->exif_size = length;
        }
        return;
    }
}

/// CMYK (or YCCK decoded to CMYK) to RGB. Adobe writers store inverted CMYK (0 = full ink); libjpeg passes
/// it through unchanged, so with an Adobe marker the samples are already "255 - ink".
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t pixels, int inverted) {
    for (size_t i = 0; i < pixels; i++) {
        unsigned c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
        if (!inverted) {
            c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
        }
        rgb[3 * i] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

static int jpeg_read_body(jpeg_read_context *context) {
    if (setjmp(context->errors.jump)) return RIC_ERROR;
    j_decompress_ptr info = &context->info;
    ric_image *out = context->out;

    jpeg_create_decompress(info);
    jpeg_mem_src(info, context->data, (unsigned long)context->size);
    jpeg_save_markers(info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(info, TRUE);

    out->width = (int32_t)info->image_width;
    out->height = (int32_t)info->image_height;
    if (ric_exceeds(info->image_width, info->image_height, context->max_pixels)) return RIC_TOO_LARGE;
    copy_exif(context);

    int cmyk = info->jpeg_color_space == JCS_CMYK || info->jpeg_color_space == JCS_YCCK;
    if (cmyk) {
        info->out_color_space = JCS_CMYK;
    } else if (info->jpeg_color_space == JCS_GRAYSCALE) {
        info->out_color_space = JCS_GRAYSCALE;
    } else {
        info->out_color_space = JCS_RGB;
    }
    jpeg_start_decompress(info);

    size_t components = (size_t)info->output_components;
    if (components != (cmyk ? 4u : (info->out_color_space == JCS_GRAYSCALE ? 1u : 3u))) {
        ric_set_error(context->errors.error, context->errors.error_size, "unsupported JPEG colour layout");
        return RIC_ERROR;
    }
    size_t pixel_count = (size_t)info->output_width * (size_t)info->output_height;
    size_t row_bytes = (size_t)info->output_width * components;
    context->samples = malloc(pixel_count * components);
    if (context->samples == NULL) {
        ric_set_error(context->errors.error, context->errors.error_size, "out of memory for the pixels");
        return RIC_ERROR;
    }
    while (info->output_scanline < info->output_height) {
        JSAMPROW row = context->samples + (size_t)info->output_scanline * row_bytes;
        jpeg_read_scanlines(info, &row, 1);
    }
    jpeg_finish_decompress(info);

    out->width = (int32_t)info->output_width;
    out->height = (int32_t)info->output_height;
    out->bit_depth = 8;
    if (cmyk) {
        out->pixels = malloc(pixel_count * 3);
        if (out->pixels == NULL) {
            ric_set_error(context->errors.error, context->errors.error_size, "out of memory for the pixels");
            return RIC_ERROR;
        }
        cmyk_to_rgb(context->samples, out->pixels, pixel_count, info->saw_Adobe_marker);
        out->channels = 3;
    } else {
        out->pixels = context->samples;
        context->samples = NULL;
        out->channels = (int32_t)components;
    }
    return RIC_OK;
}

int ric_jpeg_read(const uint8_t *data, size_t size, uint64_t max_pixels, ric_image *out,
                  char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    out->page_count = 1;
    ric_set_error(error, error_size, "");
    jpeg_read_context *context = calloc(1, sizeof *context);
    if (context == NULL) {
        ric_set_error(error, error_size, "out of memory");
        return RIC_ERROR;
    }
    context->data = data;
    context->size = size;
    context->max_pixels = max_pixels;
    context->out = out;
    install_error_handlers(&context->errors, error, error_size);
    context->info.err = &context->errors.manager;

    int status = jpeg_read_body(context);
    jpeg_destroy_decompress(&context->info);
    free(context->samples);
    free(context);
    if (status != RIC_OK) {
        int32_t width = out->width, height = out->height;
        ric_image_free(out);
        out->width = width;
        out->height = height;
    }
    return status;
}

// MARK: - Writing

typedef struct jpeg_write_context {
    struct jpeg_compress_struct info;
    jpeg_error_context errors;
    const ric_pixels *image;
    int quality;
    unsigned char *buffer;
    unsigned long size;
} jpeg_write_context;

static int jpeg_write_body(jpeg_write_context *context) {
    if (setjmp(context->errors.jump)) return RIC_ERROR;
    j_compress_ptr info = &context->info;
    const ric_pixels *image = context->image;

    jpeg_create_compress(info);
    jpeg_mem_dest(info, &context->buffer, &context->size);
    info->image_width = (JDIMENSION)image->width;
    info->image_height = (JDIMENSION)image->height;
    info->input_components = image->channels;
    info->in_color_space = image->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(info);
    jpeg_set_quality(info, context->quality, TRUE);
    info->optimize_coding = TRUE;
    jpeg_start_compress(info, TRUE);
    size_t row_bytes = (size_t)image->width * (size_t)image->channels;
    while (info->next_scanline < info->image_height) {
        JSAMPROW row = (JSAMPROW)((const uint8_t *)image->pixels + (size_t)info->next_scanline * row_bytes);
        jpeg_write_scanlines(info, &row, 1);
    }
    jpeg_finish_compress(info);
    return RIC_OK;
}

int ric_jpeg_write(const ric_pixels *image, int32_t quality,
                   uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    *out = NULL;
    *out_size = 0;
    if (image->width <= 0 || image->height <= 0 || image->width > JPEG_MAX_DIMENSION ||
        image->height > JPEG_MAX_DIMENSION) {
        ric_set_errorf(error, error_size, "JPEG cannot store a %dx%d image (the maximum side is %d)",
                       image->width, image->height, (int)JPEG_MAX_DIMENSION);
        return RIC_ERROR;
    }
    if ((image->channels != 1 && image->channels != 3) || image->bit_depth != 8) {
        ric_set_error(error, error_size, "JPEG needs 8-bit gray or RGB pixels");
        return RIC_ERROR;
    }
    ric_set_error(error, error_size, "");
    jpeg_write_context *context = calloc(1, sizeof *context);
    if (context == NULL) {
        ric_set_error(error, error_size, "out of memory");
        return RIC_ERROR;
    }
    context->image = image;
    context->quality = quality < 1 ? 1 : (quality > 100 ? 100 : quality);
    install_error_handlers(&context->errors, error, error_size);
    context->info.err = &context->errors.manager;

    int status = jpeg_write_body(context);
    jpeg_destroy_compress(&context->info);
    if (status == RIC_OK) {
        *out = context->buffer;
        *out_size = (size_t)context->size;
    } else {
        free(context->buffer);
    }
    free(context);
    return status;
}
