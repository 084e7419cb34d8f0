// C shims over libpng, libjpeg and libtiff. Every setjmp/longjmp and every library error or warning
// callback stays inside these C functions: Swift calls a function, gets a status code, and reads either a
// malloc'd pixel buffer or an error message. Nothing here prints to stderr.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// Status codes returned by every decoder and encoder.
enum {
    RIC_OK = 0,          ///< success
    RIC_ERROR = 1,       ///< failure; the message buffer says why
    RIC_TOO_LARGE = 2,   ///< the declared size exceeds the pixel limit; width/height are filled in
};

/// One text entry (PNG tEXt/zTXt/iTXt). `utf8` is 1 for iTXt (UTF-8), 0 for tEXt/zTXt (Latin-1).
typedef struct ric_text {
    char *key;
    char *value;
    int32_t utf8;
} ric_text;

/// A decoded image. All pointers are malloc'd and released by `ric_image_free`.
typedef struct ric_image {
    int32_t width;
    int32_t height;
    int32_t channels;     ///< 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int32_t bit_depth;    ///< 8 (uint8 samples) or 16 (native-endian uint16 samples)
    void *pixels;         ///< width * height * channels samples, rows top to bottom, channels interleaved
    ric_text *texts;      ///< PNG text chunks, in file order
    int32_t text_count;
    uint8_t *exif;        ///< JPEG APP1 Exif payload after "Exif\0\0" (a TIFF structure), or NULL
    size_t exif_size;
    int32_t page_count;   ///< TIFF: number of images (directories) in the file; 1 otherwise
    int32_t orientation;  ///< TIFF: the Orientation tag (1...8, EXIF meaning), not applied to `pixels`; 0 otherwise
} ric_image;

/// Pixels handed to an encoder: 8-bit (uint8) or 16-bit (native-endian uint16), interleaved.
typedef struct ric_pixels {
    int32_t width;
    int32_t height;
    int32_t channels;
    int32_t bit_depth;
    const void *pixels;
} ric_pixels;

/// Text handed to the PNG encoder; `utf8` 1 writes iTXt, 0 writes tEXt (value must be Latin-1).
typedef struct ric_text_in {
    const char *key;
    const char *value;
    int32_t utf8;
} ric_text_in;

// Decoders: read `size` bytes at `data`. Images with more than `max_pixels` pixels are refused with
// RIC_TOO_LARGE before any pixel memory is allocated. On RIC_ERROR, `error` holds a message.
int ric_png_read(const uint8_t *data, size_t size, uint64_t max_pixels, ric_image *out,
                 char *error, size_t error_size);
int ric_jpeg_read(const uint8_t *data, size_t size, uint64_t max_pixels, ric_image *out,
                  char *error, size_t error_size);
/// Reads the first image of a TIFF; `out->page_count` tells how many the file holds.
int ric_tiff_read(const uint8_t *data, size_t size, uint64_t max_pixels, ric_image *out,
                  char *error, size_t error_size);
/// Releases everything a decoder allocated and zeroes the struct.
void ric_image_free(ric_image *image);

// Encoders: produce a malloc'd file image in `*out` (release with `ric_free`).
int ric_png_write(const ric_pixels *image, const ric_text_in *texts, int32_t text_count,
                  uint8_t **out, size_t *out_size, char *error, size_t error_size);
/// `image` must be 8-bit gray (1 channel) or RGB (3 channels); quality is 1...100.
int ric_jpeg_write(const ric_pixels *image, int32_t quality,
                   uint8_t **out, size_t *out_size, char *error, size_t error_size);
int ric_tiff_write(const ric_pixels *image, uint8_t **out, size_t *out_size,
                   char *error, size_t error_size);
/// Releases a buffer returned by an encoder.
void ric_free(void *pointer);
