#!/usr/bin/env bash
# End-to-end CPU decode of a TinyLlama-1.1B-shaped Llama (random weights) as dense bf16, AWQ
# 4-bit g128, GPTQ 4-bit g128 and GPTQ 4-bit g128 with a 4-bit lm_head, the packed ones also with
# `[quant] activations = "int8"` (variants named "+int8"), through `plexus bench` (engine,
# scheduler, sampler): greedy decode tokens/s at 1 and 8 concurrent sequences, and memory as
# `plexus bench --json` reports it (what loading the weights added to the resident set; the
# resident set at the end of the run; its peak). The checkpoints come from
# bench/quant/make_1b_checkpoints.py (RTN weights packed by GPTQModel's own code).
# Writes bench/quant/E2E_RESULTS.md and out/quant1b/results/*.json.
#
# Usage (repository root): bench/quant/run_e2e.sh
#   PLEXUS   (default build/bin/plexus, Release)
#   THREADS  (default 2); REPEATS (default 3, medians reported; variants round-robin per repeat)
#   CONCURRENCY (default "1 8"); INPUT_LEN (16) and OUTPUT_LEN (32): decode dominates
#   MODELS   (default out/quant1b: bf16/, awq_g128/, gptq_b4_g128/, gptq_b4_g128_lm_head/)
#   DTYPE    (default bf16): model.dtype of every variant, so the dense parts (all of bf16; the
#            embeddings and lm_head of AWQ/GPTQ) stay bf16 in memory; "auto" is f32 on the CPU
#   MD       (default bench/quant/E2E_RESULTS.md): where the summary goes
#   SUMMARIZE_ONLY=1 rewrites $MD from the files of the last run
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
VARIANTS=${VARIANTS:-"bf16 awq_g128 gptq_b4_g128 gptq_b4_g128_lm_head awq_g128+int8 gptq_b4_g128+int8 gptq_b4_g128_lm_head+int8"}
OUT=$MODELS/results
MD=${MD:-bench/quant/E2E_RESULTS.md}
mkdir -p "$OUT"
[[ -x "$PLEXUS" ]] || { echo "$PLEXUS is missing: PLEXUS_BUILD_TYPE=Release scripts/build" >&2; exit 1; }
for v in $VARIANTS; do
  [[ -f "$MODELS/${v%+int8}/config.json" ]] || {
    echo "$MODELS/$v is missing: .venv-quant/bin/python bench/quant/make_1b_checkpoints.py" >&2
    exit 1
  }
done

if [[ "${SUMMARIZE_ONLY:-0}" != 1 ]]; then
  rm -f "$OUT"/*.json
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
          --json "$OUT/${v}_c${c}_r${r}.json" >/dev/null
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
         "gptq_b4_g128_lm_head": "GPTQ 4-bit g128 (asym), 4-bit lm_head"}
GiB = 2**30
run = lambda v, c, r: json.load(open(f"{out}/{v}_c{c}_r{r}.json"))
res = {}
for v in variants:
    base_name = v.removesuffix("+int8")
    name = names.get(base_name, base_name) + (", int8 activations" if v.endswith("+int8") else "")
    runs = [run(v, c, r) for c in conc for r in range(1, repeats + 1)]
    mem = [x["memory"] for x in runs]
    res[v] = {
        "name": name,
        "file": os.path.getsize(f"{models}/{base_name}/model.safetensors") / GiB,
        "weights": statistics.median(m["weights_bytes"] for m in mem) / GiB,
        "rss": max(m["rss_bytes"] for m in mem) / GiB,
        "file_rss": max(m["rss_file_bytes"] for m in mem) / GiB,
        "peak": max(m["peak_rss_bytes"] for m in mem) / GiB,
    }
    for c in conc:
        tpot = [run(v, c, r)["tpot_s"]["p50"] for r in range(1, repeats + 1)]
        base = [run("bf16", c, r)["tpot_s"]["p50"] for r in range(1, repeats + 1)]
        # Decode tokens/s = c / TPOT; "vs bf16" is the median over repeats of the ratio to the
        # bf16 run of the same repeat (run minutes apart), so the box's drift cancels.
        ratios = sorted(b / t for b, t in zip(base, tpot))
        res[v][c] = (c / statistics.median(tpot), statistics.median(ratios), ratios)
rows = []
for v in variants:
    r = res[v]
    cells = [r["name"], f"{r['file']:.2f}", f"{r['weights']:.3f}",
             f"{r['weights'] / res['bf16']['weights']:.2f}x", f"{r['rss']:.2f}",
             f"{r['file_rss']:.2f}", f"{r['peak']:.2f}"]
    for c in conc:
        tps, ratio, ratios = r[c]
        spread = f" ({ratios[0]:.2f}-{ratios[-1]:.2f})" if v != "bf16" else ""
        cells += [f"{tps:.2f}", f"{ratio:.2f}x{spread}"]
    rows.append("| " + " | ".join(cells) + " |")
head = ("| variant | checkpoint (GiB) | weights held (GiB) | vs bf16 | resident at end (GiB) | "
        "of which file pages | peak (GiB) |" + "".join(
            f" decode tok/s @{c} | vs bf16, median (range) @{c} |" for c in conc))
sep = "|---" * (7 + 2 * len(conc)) + "|"
how = json.load(open(f"{models}/{variants[-1].removesuffix('+int8')}/how.json"))
vers, b = how["versions"], how["base"]
shape = (f"{how['parameters'] / 1e9:.2f}B parameters: hidden {b['hidden_size']}, intermediate "
         f"{b['intermediate_size']}, {b['num_hidden_layers']} layers, "
         f"{b['num_attention_heads']} heads, {b['num_key_value_heads']} KV heads,\nvocab "
         f"{b['vocab_size']}, untied lm_head")
print(f"""# End-to-end decode: {how['parameters'] / 1e9:.1f}B Llama, dense bf16 vs AWQ vs GPTQ, f32 or int8 activations (CPU)

Command: `bench/quant/run_e2e.sh` (THREADS={threads}, REPEATS={repeats}, INPUT_LEN={in_len},
OUTPUT_LEN={out_len}, DTYPE={dtype}), which runs `plexus bench --num-prompts C --concurrency C
--max-model-len 512 --json` with `devices.cpu_kv_cache="256MiB"` and `model.dtype="{dtype}"` once
per variant, concurrency and repeat, variants in turn within each repeat. Date: {date}.

Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.platform()}; plexus git GIT_REV.
Load average before / after: LOAD_BEFORE / LOAD_AFTER (1.0 = one core busy with other work).

Model: a Llama of {shape} (`--shape {how.get('shape', '1b')}`), random weights (normal
std 0.02, seed {how['seed']}), made by `bench/quant/make_1b_checkpoints.py`: AWQ/GPTQ are round-to-nearest min/max asymmetric per group
of 128 from the dense weights, packed by GPTQModel {vers['gptqmodel']}'s own `pack_module`
(AWQ: GEMM layout, zero_point; GPTQ: v1, sym false, desc_act false). The decoder's
q/k/v/o/gate/up/down are quantized; the "4-bit lm_head" checkpoint also has its lm_head packed
the same way, as GPTQModel's `lm_head=True` writes it (a `dynamic` rule for "lm_head"). The
others keep a bf16 lm_head (AWQ's format has no packed lm_head). Embeddings and norms are bf16
in all. The "int8 activations" rows serve the same checkpoints with
`--set quant.activations="int8"` (docs/manifest.md).

- "Decode tok/s": C sequences / TPOT p50 (the decode steps alone, prefill excluded), median
  over the repeats. "vs bf16": the median, over repeats, of TPOT(bf16) / TPOT(variant) within
  the same repeat, with the smallest and largest in brackets.
- "Weights held": how much the resident set grew while the model loaded its weights, once the
  checkpoint's mapped pages were released (`weights_bytes` in the JSON, median over runs):
  packed layers, dense layers, norms. The embedding table is read in place from the mapped
  checkpoint (EmbeddingTable), so only the pages of rows looked up come back, as page cache.
- "Resident at end": the whole process (weights, the 256 MiB KV cache, activations, the file
  pages of the rows looked up and of the binaries) after the run, the largest over runs. How many
  file pages a looked-up row brings in depends on the page cache (a checkpoint just written
  has large folios, mapped whole); they are clean and reclaimable. "Peak": VmHWM, reached while
  loading (the mapped checkpoint and the copies made from it).

{head}
{sep}
""" + "\n".join(rows))
PY
git_rev=$(cat "$OUT/git_rev" 2>/dev/null || echo "?")
load_before=$(cat "$OUT/load_before" 2>/dev/null || echo "?")
load_after=$(cat "$OUT/load_after" 2>/dev/null || echo "?")
sed -i "s|LOAD_BEFORE|$load_before|; s|LOAD_AFTER|$load_after|; s|GIT_REV|$git_rev|" "$MD"
cat "$MD"
