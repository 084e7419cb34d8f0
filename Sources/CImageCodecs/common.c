#include "common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ric_set_error(char *error, size_t error_size, const char *message) {
    if (error == NULL || error_size == 0) return;
    snprintf(error, error_size, "%s", message != NULL ? message : "unknown error");
}

void ric_set_errorf(char *error, size_t error_size, const char *format, ...) {
    if (error == NULL || error_size == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

char *ric_strdup(const char *text) {
    if (text == NULL) return NULL;
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy != NULL) memcpy(copy, text, length + 1);
    return copy;
}

int ric_exceeds(uint64_t width, uint64_t height, uint64_t max_pixels) {
    if (width == 0 || height == 0) return 0;
    if (width > max_pixels) return 1;
    return height > max_pixels / width;
}

int ric_mul_overflows(size_t count, size_t size, size_t *product) {
    if (size != 0 && count > SIZE_MAX / size) return 1;
    *product = count * size;
    return 0;
}

void ric_image_free(ric_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    for (int32_t i = 0; i < image->text_count; i++) {
        free(image->texts[i].key);
        free(image->texts[i].value);
    }
    free(image->texts);
    free(image->exif);
    memset(image, 0, sizeof *image);
}

void ric_free(void *pointer) { free(pointer); }
