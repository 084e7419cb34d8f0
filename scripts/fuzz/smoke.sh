#!/usr/bin/env bash
# CI smoke test of the fuzz targets: builds them, replays every committed crash input
# (fixtures/fuzz/TARGET/regressions/), then fuzzes each target for a short time and prints its executions.
# Usage: scripts/fuzz/smoke.sh [SECONDS]   (default 20 per target)
# Exits non-zero if any target fails to build, crashes on a committed input, or finds a crash, leak or hang.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/fuzz/targets.sh
seconds=${1:-20}

scripts/fuzz/build.sh
mkdir -p .build-fuzz/logs
failed=()
summary=()
for target in "${FUZZ_TARGETS[@]}"; do
    binary=.build-fuzz/release/$(fuzz_product "$target")
    regressions=(fixtures/fuzz/"$target"/regressions/*)
    if [[ -e ${regressions[0]} ]] && ! "$binary" "${regressions[@]}" > ".build-fuzz/logs/$target-regressions.log" 2>&1; then
        echo "smoke.sh: $target crashed on a committed regression input; see .build-fuzz/logs/$target-regressions.log" >&2
        failed+=("$target (regression)")
    fi
    log=.build-fuzz/logs/$target-smoke.log
    status=0
    scripts/fuzz/run.sh "$target" "$seconds" > "$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    summary+=("$(printf '%-18s %10s executions in %ss' "$target" "${runs:-?}" "$seconds")")
    if [[ $status -ne 0 ]]; then
        echo "smoke.sh: $target failed (exit $status); see $log" >&2
        grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$log" >&2 || tail -20 "$log" >&2
        failed+=("$target")
    fi
done
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "smoke.sh: failures: ${failed[*]}" >&2
    exit 1
fi
