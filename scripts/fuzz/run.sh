#!/usr/bin/env bash
# Runs one fuzz target (built by scripts/fuzz/build.sh) on its seed corpus from fixtures/.
# Usage: scripts/fuzz/run.sh TARGET [SECONDS | -runs=N] [more libFuzzer flags...]
#   TARGET   one of the names in scripts/fuzz/targets.sh (e.g. SafetensorsHeader)
#   SECONDS  how long to fuzz (default 60); or -runs=N for a number of executions
# New corpus entries go to .build-fuzz/corpus/TARGET, crashes to .build-fuzz/artifacts/TARGET/. The last lines
# printed are libFuzzer's final statistics; the exit status is libFuzzer's (non-zero on a crash, leak or hang).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/fuzz/targets.sh

[[ $# -ge 1 ]] || { sed -n '2,7p' "$0"; exit 2; }
target=$1
shift
limit="-max_total_time=60"
if [[ $# -ge 1 ]]; then
    case "$1" in
        -runs=*) limit=$1 ;;
        *[!0-9]*) echo "run.sh: expected SECONDS or -runs=N, got '$1'" >&2; exit 2 ;;
        *) limit="-max_total_time=$1" ;;
    esac
    shift
fi

binary=.build-fuzz/release/$(fuzz_product "$target")
[[ -x $binary ]] || { echo "run.sh: $binary is missing; run scripts/fuzz/build.sh $target" >&2; exit 2; }
corpus=$PWD/.build-fuzz/corpus/$target
artifacts=$PWD/.build-fuzz/artifacts/$target
mkdir -p "$corpus" "$artifacts"
seeds=()
while IFS= read -r dir; do [[ -d $dir ]] && seeds+=("$dir"); done < <(fuzz_seed_dirs "$target")

# Swift's own backtracer reads memory ASan reports as a wild access; libFuzzer and ASan print the stack instead.
export SWIFT_BACKTRACE=enable=no
# ASan's default 256 MB quarantine of freed blocks, with image decoding's large buffers, pushed RSS past the limit
# without a leak (with an 8 MB quarantine RSS plateaus): keep the quarantine small unless the caller says otherwise.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:allocator_release_to_os_interval_ms=100}
# A single input that takes over 10 s counts as a hang; RSS over 3 GB as out-of-memory.
exec "$binary" "$limit" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "$corpus" "${seeds[@]}"
