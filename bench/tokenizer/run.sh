#!/usr/bin/env bash
# Tokenizer throughput: plexus vs HF tokenizers (Rust, via its Python binding), single-threaded,
# on tests/fixtures/tokenizer/corpus.jsonl, for every reference tokenizer that is present.
#
# Usage (repository root): bench/tokenizer/run.sh [SECONDS_PER_RUN]
#   BUILD_DIR (default build-tokenizer) is configured if needed and plexus_tokenizer_bench built
#   there; PYTHON (default .venv-tokenizer/bin/python) must have tools/tokenizer/requirements.txt.
# Prints a markdown table; the ratio is plexus MB/s over HF's fastest (encode_batch_fast) MB/s
# (> 1: plexus faster). Token counts are checked equal on both sides.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-3}
BUILD_DIR=${BUILD_DIR:-build-tokenizer}
PYTHON=${PYTHON:-.venv-tokenizer/bin/python}
CORPUS=tests/fixtures/tokenizer/corpus.jsonl

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DPLEXUS_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD_DIR" --target plexus_tokenizer_bench -j2 >/dev/null
export TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1

echo "| tokenizer | mode | tokens/pass | plexus MB/s | HF MB/s (encode_batch_fast) | HF MB/s (encode_batch) | ratio vs fast |"
echo "|---|---|---|---|---|---|---|"
for name in smollm2 spm-byte-fallback spm-metaspace llama3 qwen2.5 deepseek-v3; do
  path=""
  for root in tests/fixtures/tokenizer models/tokenizers; do
    [[ -f "$root/$name/tokenizer.json" ]] && path="$root/$name/tokenizer.json" && break
  done
  [[ -z "$path" ]] && continue
  for mode in strings document; do
    ours=$("$BUILD_DIR/bin/plexus_tokenizer_bench" "$path" "$CORPUS" "$mode" "$SECONDS_PER_RUN")
    theirs=$("$PYTHON" bench/tokenizer/hf_bench.py "$path" "$CORPUS" "$mode" "$SECONDS_PER_RUN")
    "$PYTHON" - "$name" "$ours" "$theirs" <<'PY'
import json, sys
name, ours, theirs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert ours["tokens"] == theirs["tokens"], (name, ours["tokens"], theirs["tokens"])
print(f"| {name} | {ours['mode']} | {ours['tokens']} | {ours['mb_per_s']:.2f} | "
      f"{theirs['mb_per_s']:.2f} | {theirs['mb_per_s_with_offsets']:.2f} | "
      f"{ours['mb_per_s'] / theirs['mb_per_s']:.2f} |")
PY
  done
done
