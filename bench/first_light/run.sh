#!/usr/bin/env bash
# First-light CPU throughput: plexus vs llama.cpp (built from source by `pip install
# llama-cpp-python`) on SmolLM2-135M-Instruct at equal weight precision (an all-F32 GGUF made from
# the Q4_1 one by make_gguf.py), prefill of a 512-token prompt and single-stream greedy decode of
# 64 tokens, at 1 and 2 threads, in the same run; plus the memory-bandwidth bound on decode.
# Writes bench/first_light/RESULTS.md (and the raw JSON to out/first_light/results.json).
#
# Usage (repository root): bench/first_light/run.sh
#   BUILD_DIR  (default build-bench): configured if needed; plexus_first_light_bench is built there.
#   VENV       (default .venv-bench): made if missing, with bench/first_light/requirements.txt
#              (llama-cpp-python compiles llama.cpp: many minutes on a small machine).
#   REPEATS    (default 3): timed runs per measurement; medians are reported.
#   THREADS    (default "1 2"); PROMPT_TOKENS (512); DECODE_TOKENS (64).
#   MODEL      (default models/SmolLM2-135M-Instruct.Q4_1.gguf, from scripts/fetch-model).
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=bench/first_light
OUT=out/first_light
BUILD_DIR=${BUILD_DIR:-build-bench}
VENV=${VENV:-.venv-bench}
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-"1 2"}
PROMPT_TOKENS=${PROMPT_TOKENS:-512}
DECODE_PROMPT_TOKENS=16
DECODE_TOKENS=${DECODE_TOKENS:-64}
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
F32="$OUT/$(basename "${MODEL%.*}" | sed 's/\.Q[0-9A-Za-z_]*$//').F32.gguf"
mkdir -p "$OUT"
[[ -f "$MODEL" ]] || { echo "$MODEL is missing: run scripts/fetch-model" >&2; exit 1; }

if [[ ! -x "$VENV/bin/python" ]]; then python3 -m venv "$VENV"; fi
if ! "$VENV/bin/python" -c "import llama_cpp, gguf, numpy" 2>/dev/null; then
  echo "installing $HERE/requirements.txt into $VENV (builds llama.cpp from source)" >&2
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
fi
PY="$VENV/bin/python"

if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DPLEXUS_CUDA=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD_DIR" --target plexus_first_light_bench -j2 >/dev/null
BENCH="$BUILD_DIR/bin/plexus_first_light_bench"
gcc -O3 -march=native -fopenmp "$HERE/membw.c" -o "$OUT/membw"

if [[ ! -f "$F32" || ! -f "$OUT/f32.json" || "$MODEL" -nt "$F32" ]]; then
  "$PY" "$HERE/make_gguf.py" "$MODEL" "$F32" >"$OUT/f32.json"
fi
# The prompt: prompt.txt repeated until it is long enough, tokenized by the model's tokenizer;
# both engines get these exact ids.
for _ in 1 2 3 4 5 6; do cat "$HERE/prompt.txt"; done >"$OUT/prompt.txt"
"$BENCH" --model "$F32" --text "$OUT/prompt.txt" --ids-out "$OUT/ids.json" \
  --prompt-tokens "$PROMPT_TOKENS" --tokenize-only

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$OUT/runs.jsonl"
for t in $THREADS; do
  "$OUT/membw" 1024 5 "$t" | sed 's/^/{"kind":"membw","data":/; s/$/}/' >>"$OUT/runs.jsonl"
  "$PY" "$HERE/llama_bench.py" "$F32" "$OUT/ids.json" "$t" "$REPEATS" "$PROMPT_TOKENS" \
    "$DECODE_PROMPT_TOKENS" "$DECODE_TOKENS" | sed 's/^/{"kind":"llama","data":/; s/$/}/' \
    >>"$OUT/runs.jsonl"
  "$BENCH" --model "$F32" --ids "$OUT/ids.json" --threads "$t" --repeats "$REPEATS" \
    --prompt-tokens "$PROMPT_TOKENS" --decode-prompt-tokens "$DECODE_PROMPT_TOKENS" \
    --decode-tokens "$DECODE_TOKENS" | sed 's/^/{"kind":"plexus","data":/; s/$/}/' \
    >>"$OUT/runs.jsonl"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

COMMAND="bench/first_light/run.sh (REPEATS=$REPEATS THREADS=\"$THREADS\" PROMPT_TOKENS=$PROMPT_TOKENS DECODE_TOKENS=$DECODE_TOKENS)" \
BUILD_TYPE="$(grep -m1 "^CMAKE_BUILD_TYPE:" "$BUILD_DIR/CMakeCache.txt" 2>/dev/null | cut -d= -f2)" \
  LOAD_BEFORE="$LOAD_BEFORE" LOAD_AFTER="$LOAD_AFTER" GIT_REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "$PY" "$HERE/report.py" "$OUT/runs.jsonl" "$OUT/f32.json" "$HERE/RESULTS.md"
cat "$HERE/RESULTS.md"
