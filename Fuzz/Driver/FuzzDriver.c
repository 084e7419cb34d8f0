#include "FuzzDriver.h"

// libFuzzer's driver, from the runtime that `-sanitize=fuzzer` links.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int retouch_fuzz_run(int argc, char **argv, retouch_fuzz_entry entry) {
    return LLVMFuzzerRunDriver(&argc, &argv, entry);
}
