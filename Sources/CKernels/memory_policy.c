#include <malloc.h>
#include "CKernels.h"

void rt_return_large_buffers(int mmap_threshold, int trim_threshold) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

void rt_release_free_memory(void) {
    malloc_trim(0);
}
