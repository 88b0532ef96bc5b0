#!/usr/bin/env bash
# Builds plexus_deepseek_bench and runs it: CPU decode tokens/s of a DeepSeek-V2-Lite-shaped
# model with random weights (bench/deepseek/RESULTS.md has the numbers and the machine).
#   bench/deepseek/run.sh [bench options]   e.g. --layers 6 --storage bf16 --repeats 3
# Uses $PLEXUS_BUILD_DIR (default build/, configured by scripts/build).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${PLEXUS_BUILD_DIR:-$repo/build}"
cd "$repo"
cmake --build "$build" --target plexus_deepseek_bench >/dev/null
"$build/bin/plexus_deepseek_bench" "$@"
