#!/usr/bin/env bash
# Continuous batching on the CPU: aggregate greedy decode throughput of SmolLM2-135M-Instruct at
# 1, 8 and 32 concurrent sequences through `plexus bench` (the engine, scheduler and sampler a
# server uses), on a fixed number of threads. The goal (issue 5): at 32 sequences at least 8x
# the single-stream rate, because one step reads each weight once for every sequence in it.
# Writes bench/batching/RESULTS.md and out/batching/*.json.
#
# Usage (repository root): bench/batching/run.sh
#   PLEXUS   (default build/bin/plexus, Release: scripts/build with PLEXUS_BUILD_TYPE=Release)
#   THREADS  (default 2); REPEATS (default 3, medians reported); CONCURRENCY (default "1 8 32")
#   INPUT_LEN (16) and OUTPUT_LEN (64): short prompts, so decode dominates
#   MODEL    (default models/SmolLM2-135M-Instruct.Q4_1.gguf, weights kept in f32)
#   SUMMARIZE_ONLY=1 rewrites RESULTS.md from the JSON of the last run
set -euo pipefail
cd "$(dirname "$0")/../.."
PLEXUS=${PLEXUS:-build/bin/plexus}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
CONCURRENCY=${CONCURRENCY:-"1 8 32"}
INPUT_LEN=${INPUT_LEN:-16}
OUTPUT_LEN=${OUTPUT_LEN:-64}
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
OUT=out/batching
mkdir -p "$OUT"
[[ -x "$PLEXUS" ]] || { echo "$PLEXUS is missing: PLEXUS_BUILD_TYPE=Release scripts/build" >&2; exit 1; }
[[ -f "$MODEL" ]] || { echo "$MODEL is missing: run scripts/fetch-model" >&2; exit 1; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
[[ "${SUMMARIZE_ONLY:-0}" == 1 ]] && load_before=$(cat "$OUT/load_before" 2>/dev/null || echo "?")
for c in $CONCURRENCY; do
  [[ "${SUMMARIZE_ONLY:-0}" == 1 ]] && break
  for r in $(seq 1 "$REPEATS"); do
    # Each sequence runs once per repeat: as many prompts as the concurrency, all in flight.
    "$PLEXUS" bench --model "$MODEL" --num-prompts "$c" --concurrency "$c" \
      --input-len "$INPUT_LEN" --output-len "$OUTPUT_LEN" --seed "$r" --max-model-len 1024 \
      --set devices.threads="$THREADS" --set devices.cpu_kv_cache='"512MiB"' \
      --json "$OUT/c${c}_r${r}.json" >/dev/null
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ "${SUMMARIZE_ONLY:-0}" == 1 ]]; then
  load_after=$(cat "$OUT/load_after" 2>/dev/null || echo "?")
else
  echo "$load_before" >"$OUT/load_before"
  echo "$load_after" >"$OUT/load_after"
fi

python3 - "$OUT" "$CONCURRENCY" "$REPEATS" <<'PY' >bench/batching/RESULTS.md
import json, os, platform, statistics, subprocess, sys
out, conc, repeats = sys.argv[1], [int(c) for c in sys.argv[2].split()], int(sys.argv[3])
def runs(c):
    return [json.load(open(f"{out}/c{c}_r{r}.json")) for r in range(1, repeats + 1)]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rows, base, base_decode = [], None, None
for c in conc:
    rs = runs(c)
    tps = statistics.median(r["output_tokens_per_s"] for r in rs)
    tpot = statistics.median(r["tpot_s"]["p50"] for r in rs)
    ttft = statistics.median(r["ttft_s"]["p50"] for r in rs) * 1e3
    decode = c / tpot  # tokens/s of the decode steps alone: c sequences, one token per TPOT
    base = base or tps
    base_decode = base_decode or decode
    rows.append(f"| {c} | {tps:.1f} | {tps / base:.2f}x | {decode:.1f} | {decode / base_decode:.2f}x "
                f"| {tpot * 1e3:.1f} | {ttft:.1f} |")
env = os.environ
print(f"""# Continuous batching: aggregate decode throughput (SmolLM2-135M-Instruct, CPU)

Command: `bench/batching/run.sh` (THREADS={env.get('THREADS', '2')}, REPEATS={repeats},
INPUT_LEN={env.get('INPUT_LEN', '16')}, OUTPUT_LEN={env.get('OUTPUT_LEN', '64')}), which runs
`plexus bench` once per concurrency and repeat: N random prompts all in flight, greedy,
`ignore_eos`, f32 weights. Medians over the repeats.

Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.platform()}; plexus git GIT_REV.
Load average before / after: LOAD_BEFORE / LOAD_AFTER (1.0 = one core busy with other work).

"Output tokens/s" is every output token over the wall time (prefill included); "decode
tokens/s" is N sequences / TPOT p50, the rate of the decode steps alone.

| concurrent sequences | output tokens/s | vs 1 | decode tokens/s | vs 1 | TPOT p50 (ms) | TTFT p50 (ms) |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + """

Goal (issue 5): at 32 sequences at least 8x the single-stream rate.
""")
PY
if [[ "${SUMMARIZE_ONLY:-0}" == 1 ]]; then
  git_rev=$(cat "$OUT/git_rev" 2>/dev/null || echo "?")
else
  git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
  echo "$git_rev" >"$OUT/git_rev"
fi
sed -i "s|LOAD_BEFORE|$load_before|; s|LOAD_AFTER|$load_after|; s|GIT_REV|$git_rev|" \
  bench/batching/RESULTS.md
cat bench/batching/RESULTS.md
