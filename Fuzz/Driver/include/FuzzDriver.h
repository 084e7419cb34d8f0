// Hands a fuzz target's entry to libFuzzer's driver. SwiftPM links every executable with `main` aliased to
// `<module>_main`, so libFuzzer's own `main` is never used; each target's `<module>_main` calls this instead.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// A libFuzzer entry: one input of `size` bytes at `data`; returns 0.
typedef int (*retouch_fuzz_entry)(const uint8_t *data, size_t size);

/// Runs libFuzzer with the process's arguments (`-runs=N`, corpus folders, …) on `entry`; returns its exit status.
int retouch_fuzz_run(int argc, char **argv, retouch_fuzz_entry entry);
