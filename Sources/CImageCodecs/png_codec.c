// libpng shims. libpng reports errors by longjmp; the jump lands in the setjmp of the *_body function
// below, which returns to its caller, which releases everything through the context struct.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

typedef struct png_read_context {
    const uint8_t *data;
    size_t size;
    size_t position;
    uint64_t max_pixels;
    png_structp png;
    png_infop info;
    png_bytep *rows;
    ric_image *out;
    char *error;
    size_t error_size;
} png_read_context;

static void on_png_error(png_structp png, png_const_charp message) {
    png_read_context *context = png_get_error_ptr(png);
    ric_set_error(context->error, context->error_size, message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // warnings (e.g. an unknown chunk's bad CRC handling) are not reported
}

static void read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_read_context *context = png_get_io_ptr(png);
    if (length > context->size - context->position) {
        png_error(png, "the file is truncated (unexpected end of data)");
    }
    memcpy(destination, context->data + context->position, length);
    context->position += length;
}

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

static int copy_texts(png_read_context *context) {
    png_textp text = NULL;
    int count = png_get_text(context->png, context->info, &text, NULL);
    if (count <= 0 || text == NULL) return RIC_OK;
    ric_image *out = context->out;
    out->texts = calloc((size_t)count, sizeof(ric_text));
    if (out->texts == NULL) {
        ric_set_error(context->error, context->error_size, "out of memory reading text chunks");
        return RIC_ERROR;
    }
    for (int i = 0; i < count; i++) {
        out->texts[i].key = ric_strdup(text[i].key);
        out->texts[i].value = ric_strdup(text[i].text != NULL ? text[i].text : "");
        out->texts[i].utf8 = text[i].compression >= PNG_ITXT_COMPRESSION_NONE;
        out->text_count = i + 1;
        if (out->texts[i].key == NULL || out->texts[i].value == NULL) {
            ric_set_error(context->error, context->error_size, "out of memory reading text chunks");
            return RIC_ERROR;
        }
    }
    return RIC_OK;
}

static int png_read_body(png_read_context *context) {
    if (setjmp(png_jmpbuf(context->png))) return RIC_ERROR;
    png_structp png = context->png;
    png_infop info = context->info;
    ric_image *out = context->out;

    png_set_read_fn(png, context, read_from_memory);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    out->width = (int32_t)width;
    out->height = (int32_t)height;
    if (ric_exceeds(width, height, context->max_pixels)) return RIC_TOO_LARGE;

    int color_type = png_get_color_type(png, info);
    int source_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && source_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (source_depth == 16 && host_is_little_endian()) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int depth = png_get_bit_depth(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16)) {
        ric_set_errorf(context->error, context->error_size,
                       "unsupported PNG layout (%d channels at %d bits)", channels, depth);
        return RIC_ERROR;
    }
    out->channels = channels;
    out->bit_depth = depth;

    size_t row_bytes = png_get_rowbytes(png, info);
    size_t total = 0;
    size_t pointers = 0;
    if (row_bytes != (size_t)width * (size_t)channels * (size_t)(depth / 8) ||
        ric_mul_overflows(row_bytes, height, &total) ||
        ric_mul_overflows(height, sizeof(png_bytep), &pointers)) {
        ric_set_error(context->error, context->error_size, "image is too large for memory");
        return RIC_ERROR;
    }
    out->pixels = malloc(total);
    context->rows = malloc(pointers);
    if (out->pixels == NULL || context->rows == NULL) {
        ric_set_error(context->error, context->error_size, "out of memory for the pixels");
        return RIC_ERROR;
    }
    for (png_uint_32 y = 0; y < height; y++) {
        context->rows[y] = (png_bytep)out->pixels + (size_t)y * row_bytes;
    }
    png_read_image(png, context->rows);
    png_read_end(png, info);  // text chunks may follow the image data
    return copy_texts(context);
}

int ric_png_read(const uint8_t *data, size_t size, uint64_t max_pixels, ric_image *out,
                 char *error, size_t error_size) {
    memset(out, 0, sizeof *out);
    out->page_count = 1;
    png_read_context context = {
        .data = data, .size = size, .max_pixels = max_pixels, .out = out,
        .error = error, .error_size = error_size,
    };
    ric_set_error(error, error_size, "");
    context.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_png_error, on_png_warning);
    if (context.png == NULL) {
        ric_set_error(error, error_size, "could not initialise libpng");
        return RIC_ERROR;
    }
    context.info = png_create_info_struct(context.png);
    int status = RIC_ERROR;
    if (context.info == NULL) {
        ric_set_error(error, error_size, "could not initialise libpng");
    } else {
        status = png_read_body(&context);
    }
    png_destroy_read_struct(&context.png, context.info != NULL ? &context.info : NULL, NULL);
    free(context.rows);
    if (status != RIC_OK) {
        int32_t width = out->width, height = out->height;
        ric_image_free(out);
        out->width = width;
        out->height = height;
    }
    return status;
}

// MARK: - Writing

typedef struct png_write_context {
    const ric_pixels *image;
    const ric_text_in *texts;
    int32_t text_count;
    uint8_t *buffer;
    size_t size;
    size_t capacity;
    png_structp png;
    png_infop info;
    png_bytep *rows;
    png_textp png_texts;
    char *error;
    size_t error_size;
} png_write_context;

static void on_png_write_error(png_structp png, png_const_charp message) {
    png_write_context *context = png_get_error_ptr(png);
    ric_set_error(context->error, context->error_size, message);
    png_longjmp(png, 1);
}

static void write_to_memory(png_structp png, png_bytep data, size_t length) {
    png_write_context *context = png_get_io_ptr(png);
    if (length > context->capacity - context->size) {
        size_t capacity = context->capacity == 0 ? 65536 : context->capacity;
        while (capacity - context->size < length) {
            if (capacity > SIZE_MAX / 2) png_error(png, "output is too large");
            capacity *= 2;
        }
        uint8_t *grown = realloc(context->buffer, capacity);
        if (grown == NULL) png_error(png, "out of memory for the output");
        context->buffer = grown;
        context->capacity = capacity;
    }
    memcpy(context->buffer + context->size, data, length);
    context->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

static int png_write_body(png_write_context *context) {
    if (setjmp(png_jmpbuf(context->png))) return RIC_ERROR;
    png_structp png = context->png;
    png_infop info = context->info;
    const ric_pixels *image = context->image;
    static const int color_types[] = {
        PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA,
    };
    png_set_write_fn(png, context, write_to_memory, flush_memory);
    png_set_IHDR(png, info, (png_uint_32)image->width, (png_uint_32)image->height, image->bit_depth,
                 color_types[image->channels - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (context->text_count > 0) {
        context->png_texts = calloc((size_t)context->text_count, sizeof(png_text));
        if (context->png_texts == NULL) png_error(png, "out of memory for text chunks");
        for (int32_t i = 0; i < context->text_count; i++) {
            png_textp text = &context->png_texts[i];
            text->compression = context->texts[i].utf8 ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
            text->key = (png_charp)context->texts[i].key;
            text->text = (png_charp)context->texts[i].value;
            text->text_length = strlen(context->texts[i].value);
        }
        png_set_text(png, info, context->png_texts, context->text_count);
    }
    png_write_info(png, info);
    if (image->bit_depth == 16 && host_is_little_endian()) png_set_swap(png);

    size_t row_bytes = (size_t)image->width * (size_t)image->channels * (size_t)(image->bit_depth / 8);
    context->rows = malloc((size_t)image->height * sizeof(png_bytep));
    if (context->rows == NULL) png_error(png, "out of memory for row pointers");
    for (int32_t y = 0; y < image->height; y++) {
        context->rows[y] = (png_bytep)image->pixels + (size_t)y * row_bytes;
    }
    png_write_image(png, context->rows);
    png_write_end(png, NULL);
    return RIC_OK;
}

int ric_png_write(const ric_pixels *image, const ric_text_in *texts, int32_t text_count,
                  uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    *out = NULL;
    *out_size = 0;
    if (image->width <= 0 || image->height <= 0 || image->channels < 1 || image->channels > 4 ||
        (image->bit_depth != 8 && image->bit_depth != 16)) {
        ric_set_error(error, error_size, "unsupported pixel layout for PNG");
        return RIC_ERROR;
    }
    png_write_context context = {
        .image = image, .texts = texts, .text_count = text_count, .error = error, .error_size = error_size,
    };
    ric_set_error(error, error_size, "");
    context.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_png_write_error, on_png_warning);
    if (context.png == NULL) {
        ric_set_error(error, error_size, "could not initialise libpng");
        return RIC_ERROR;
    }
    context.info = png_create_info_struct(context.png);
    int status = RIC_ERROR;
    if (context.info == NULL) {
        ric_set_error(error, error_size, "could not initialise libpng");
    } else {
        status = png_write_body(&context);
    }
    png_destroy_write_struct(&context.png, context.info != NULL ? &context.info : NULL);
    free(context.rows);
    free(context.png_texts);
    if (status == RIC_OK) {
        *out = context.buffer;
        *out_size = context.size;
    } else {
        free(context.buffer);
    }
    return status;
}
