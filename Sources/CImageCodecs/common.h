// Helpers shared by the codec shims (not part of the public header).
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "CImageCodecs.h"

/// Copies `message` into `error` (always NUL-terminated, truncated to fit).
void ric_set_error(char *error, size_t error_size, const char *message);
/// printf-style `ric_set_error`.
void ric_set_errorf(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/// `strdup` that returns NULL on NULL.
char *ric_strdup(const char *text);
/// Whether `width * height` exceeds `max_pixels` (zero sizes never do; decoders refuse them separately).
int ric_exceeds(uint64_t width, uint64_t height, uint64_t max_pixels);
/// Whether `count` elements of `size` bytes overflow `size_t`; otherwise stores the product.
int ric_mul_overflows(size_t count, size_t size, size_t *product);
