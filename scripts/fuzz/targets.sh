#!/usr/bin/env bash
# The fuzz targets and their seed folders; sourced by the other scripts in scripts/fuzz/.
# Usage: source scripts/fuzz/targets.sh

# Target names (the executables are Fuzz<Name>, their sources Fuzz/<Name>/).
FUZZ_TARGETS=(SafetensorsHeader Pickle Config Tokenizer PromptWeighting Manifest Recipe ImageDecode)

# The executable's product name for TARGET.
fuzz_product() { echo "Fuzz$1"; }

# Seed folders for TARGET: its own small seeds under fixtures/fuzz/, then existing fixtures that are valid seeds.
fuzz_seed_dirs() {
    local dirs=("fixtures/fuzz/$1/seeds")
    case "$1" in
        SafetensorsHeader) dirs+=(fixtures/bad-files/safetensors fixtures/safetensors) ;;
        Pickle) dirs+=(fixtures/pickle/hostile) ;;
        ImageDecode) dirs+=(fixtures/images/png fixtures/images/jpeg fixtures/images/tiff fixtures/bad-files/images) ;;
        Recipe) dirs+=(recipes) ;;
    esac
    printf '%s\n' "${dirs[@]}"
}
