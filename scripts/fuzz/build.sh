#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/<Name>/) with libFuzzer and AddressSanitizer into .build-fuzz/.
# Usage: scripts/fuzz/build.sh [TARGET...]   (default: every target; names as in scripts/fuzz/targets.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/fuzz/targets.sh

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${FUZZ_TARGETS[@]}")

# RETOUCH_FUZZ declares the Fuzz* targets in Package.swift. Swift code gets libFuzzer's coverage and ASan;
# C code (the image shims, kernels, libyaml inside Yams) gets the same without linking libFuzzer's main twice.
for target in "${targets[@]}"; do
    product=$(fuzz_product "$target")
    RETOUCH_FUZZ=1 swift build -c release --scratch-path .build-fuzz --product "$product" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
        -Xcc -fsanitize=fuzzer-no-link,address
done
echo "built into $(pwd)/.build-fuzz/release/"
