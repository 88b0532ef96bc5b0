#!/usr/bin/env bash
# End-to-end CPU decode of a TinyLlama-1.1B-shaped Llama (random weights) as dense bf16, AWQ
# 4-bit g128 and GPTQ 4-bit g128, the last two also with `[quant] activations = "int8"` (variants
# named "+int8"), through `plexus bench` (engine, scheduler, sampler): greedy
# decode tokens/s at 1 and 8 concurrent sequences, and each run's peak RSS (VmHWM, and the peak
# of RssAnon, sampled from /proc every 0.5 s). The checkpoints come from
# bench/quant/make_1b_checkpoints.py (RTN weights packed by GPTQModel's own code).
# Writes bench/quant/E2E_RESULTS.md and out/quant1b/results/*.json (+ .rss: "VmHWM RssAnon" KiB).
#
# Usage (repository root): bench/quant/run_e2e.sh
#   PLEXUS   (default build/bin/plexus, Release)
#   THREADS  (default 2); REPEATS (default 3, medians reported; variants round-robin per repeat)
#   CONCURRENCY (default "1 8"); INPUT_LEN (16) and OUTPUT_LEN (32): decode dominates
#   MODELS   (default out/quant1b: bf16/, awq_g128/, gptq_b4_g128/)
#   DTYPE    (default bf16): model.dtype of every variant, so the dense parts (all of bf16; the
#            embeddings and lm_head of AWQ/GPTQ) stay bf16 in memory; "auto" is f32 on the CPU
#   SUMMARIZE_ONLY=1 rewrites E2E_RESULTS.md from the files of the last run
set -euo pipefail
cd "$(dirname "$0")/../.."
PLEXUS=${PLEXUS:-build/bin/plexus}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
CONCURRENCY=${CONCURRENCY:-"1 8"}
INPUT_LEN=${INPUT_LEN:-16}
OUTPUT_LEN=${OUTPUT_LEN:-32}
MODELS=${MODELS:-out/quant1b}
DTYPE=${DTYPE:-bf16}
VARIANTS=${VARIANTS:-"bf16 awq_g128 gptq_b4_g128 awq_g128+int8 gptq_b4_g128+int8"}
OUT=$MODELS/results
MD=bench/quant/E2E_RESULTS.md
mkdir -p "$OUT"
[[ -x "$PLEXUS" ]] || { echo "$PLEXUS is missing: PLEXUS_BUILD_TYPE=Release scripts/build" >&2; exit 1; }
for v in $VARIANTS; do
  [[ -f "$MODELS/${v%+int8}/config.json" ]] || {
    echo "$MODELS/$v is missing: .venv-quant/bin/python bench/quant/make_1b_checkpoints.py" >&2
    exit 1
  }
done

# Waits for process $1 while sampling its memory (bash builtins only, no forks but sleep); writes
# "VmHWM max-RssAnon" in KiB to $2. VmHWM is the kernel's own peak, read at the last sample.
watch_rss() {
  local pid=$1 hwm=0 anon=0 k v _
  while kill -0 "$pid" 2>/dev/null; do
    while read -r k v _; do
      case $k in
        VmHWM:) hwm=$v ;;
        RssAnon:) ((v > anon)) && anon=$v ;;
      esac
    done <"/proc/$pid/status" 2>/dev/null || true
    sleep 0.5
  done
  wait "$pid"  # its exit status: a failed run stops the script (set -e)
  echo "$hwm $anon" >"$2"
}

if [[ "${SUMMARIZE_ONLY:-0}" != 1 ]]; then
  rm -f "$OUT"/*.json "$OUT"/*.rss
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  for r in $(seq 1 "$REPEATS"); do
    for c in $CONCURRENCY; do
      for v in $VARIANTS; do
        # As many prompts as the concurrency, all in flight.
        activations=f32
        [[ $v == *+int8 ]] && activations=int8
        "$PLEXUS" bench --model "$MODELS/${v%+int8}" --num-prompts "$c" --concurrency "$c" \
          --input-len "$INPUT_LEN" --output-len "$OUTPUT_LEN" --seed "$r" --max-model-len 512 \
          --set devices.threads="$THREADS" --set devices.cpu_kv_cache='"256MiB"' \
          --set model.dtype="\"$DTYPE\"" --set quant.activations="\"$activations\"" \
          --json "$OUT/${v}_c${c}_r${r}.json" >/dev/null &
        watch_rss $! "$OUT/${v}_c${c}_r${r}.rss"
        echo "repeat $r, $c sequences, $v: done" >&2
      done
    done
  done
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
  git diff --quiet HEAD 2>/dev/null || git_rev="$git_rev + uncommitted changes"
  echo "$load_before" >"$OUT/load_before"
  echo "$load_after" >"$OUT/load_after"
  echo "$git_rev" >"$OUT/git_rev"
  echo "$REPEATS $DTYPE $THREADS $INPUT_LEN $OUTPUT_LEN $(date -u '+%Y-%m-%d %H:%M UTC')" \
    >"$OUT/params"
fi

python3 - "$OUT" "$CONCURRENCY" "$VARIANTS" "$MODELS" <<'PY' >"$MD"
import json, os, platform, statistics, sys
out, models = sys.argv[1], sys.argv[4]
conc, variants = [int(c) for c in sys.argv[2].split()], sys.argv[3].split()
params = open(f"{out}/params").read().strip().split(maxsplit=5)
repeats, dtype, threads, in_len, out_len, date = int(params[0]), *params[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
            if l.startswith("model name")), "?")
names = {"bf16": "dense bf16", "awq_g128": "AWQ 4-bit g128",
         "gptq_b4_g128": "GPTQ 4-bit g128 (asym)",
         "awq_g128+int8": "AWQ 4-bit g128, int8 activations",
         "gptq_b4_g128+int8": "GPTQ 4-bit g128 (asym), int8 activations"}
res = {}
for v in variants:
    rss = [list(map(int, open(f"{out}/{v}_c{c}_r{r}.rss").read().split()))
           for c in conc for r in range(1, repeats + 1)]
    res[v] = {"rss": max(x[0] for x in rss) / 2**20, "anon": max(x[1] for x in rss) / 2**20}
    res[v]["file"] = os.path.getsize(f"{models}/{v.removesuffix('+int8')}/model.safetensors") / 2**30
    for c in conc:
        rs = [json.load(open(f"{out}/{v}_c{c}_r{r}.json")) for r in range(1, repeats + 1)]
        tpot = statistics.median(r["tpot_s"]["p50"] for r in rs)
        res[v][c] = (c / tpot, tpot)  # decode tokens/s: c sequences, one token per TPOT
base = res["bf16"]
rows = []
for v in variants:
    r = res[v]
    cells = [names.get(v, v), f"{r['file']:.2f}", f"{r['rss']:.2f}",
             f"{r['rss'] / base['rss']:.2f}x", f"{r['anon']:.2f}"]
    for c in conc:
        tps, tpot = res[v][c]
        cells += [f"{tps:.2f}", f"{tps / base[c][0]:.2f}x", f"{tpot * 1e3:.0f}"]
    rows.append("| " + " | ".join(cells) + " |")
head = "| variant | checkpoint (GiB) | peak RSS (GiB) | vs bf16 | of which anon. (GiB) |" + "".join(
    f" decode tok/s @{c} | vs bf16 | TPOT p50 @{c} (ms) |" for c in conc)
sep = "|---" * (5 + 3 * len(conc)) + "|"
how = json.load(open(f"{models}/awq_g128/how.json"))
vers = how["versions"]
print(f"""# End-to-end decode: ~1.1B Llama, dense bf16 vs AWQ vs GPTQ, f32 or int8 activations (CPU)

Command: `bench/quant/run_e2e.sh` (THREADS={threads}, REPEATS={repeats}, INPUT_LEN={in_len},
OUTPUT_LEN={out_len}, DTYPE={dtype}), which runs `plexus bench --num-prompts C --concurrency C
--max-model-len 512` with `devices.cpu_kv_cache="256MiB"` and `model.dtype="{dtype}"` once per
variant, concurrency and repeat, variants in turn within each repeat. Medians over the repeats.
Date: {date}.

Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.platform()}; plexus git GIT_REV.
Load average before / after: LOAD_BEFORE / LOAD_AFTER (1.0 = one core busy with other work).

Model: TinyLlama-1.1B shape (hidden 2048, intermediate 5632, 22 layers, 32 heads, 4 KV heads,
vocab 32000, untied lm_head), random weights (normal std 0.02, seed {how['seed']}), made by
`bench/quant/make_1b_checkpoints.py`: AWQ/GPTQ are round-to-nearest min/max asymmetric per group
of 128 from the dense weights, packed by GPTQModel {vers['gptqmodel']}'s own `pack_module`
(AWQ: GEMM layout, zero_point; GPTQ: v1, sym false, desc_act false). Only the decoder's
q/k/v/o/gate/up/down are quantized; embeddings, norms and lm_head are bf16 in all three
checkpoints ("checkpoint" = size of model.safetensors); what plexus holds them in shows in the
anon. column. The "int8 activations" rows serve the same AWQ/GPTQ checkpoints with
`--set quant.activations="int8"` (docs/manifest.md).

"Decode tok/s" is C sequences / TPOT p50 (the decode steps alone, prefill excluded), as in
bench/batching. Peak RSS: the `plexus bench` process's VmHWM, the largest over the variant's
runs; it includes the page cache of the memory-mapped safetensors file. "Anon." is the peak of
RssAnon (sampled every 0.5 s): the weights plexus holds itself, the 256 MiB KV cache and the
activations.

{head}
{sep}
""" + "\n".join(rows))
PY
git_rev=$(cat "$OUT/git_rev" 2>/dev/null || echo "?")
load_before=$(cat "$OUT/load_before" 2>/dev/null || echo "?")
load_after=$(cat "$OUT/load_after" 2>/dev/null || echo "?")
sed -i "s|LOAD_BEFORE|$load_before|; s|LOAD_AFTER|$load_after|; s|GIT_REV|$git_rev|" "$MD"
cat "$MD"
