#!/usr/bin/env bash
# `plexus bench` runs N random prompts through the engine at a given concurrency and reports
# throughput and latency percentiles, in text and in JSON; every request produces exactly
# --output-len tokens (greedy, ignore_eos); and what memory the deployment held.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
json=$(mktemp); trap 'rm -f "$json"' EXIT
out=$("$PLEXUS" bench --model "$model" --num-prompts 6 --concurrency 3 --input-len 8 \
  --output-len 4 --max-model-len 256 --set devices.cpu_kv_cache='"64MiB"' --json "$json")
echo "$out"
grep -q "6 prompts x 8 input tokens, 4 output tokens each, concurrency 3" <<<"$out" || { echo "FAIL: header"; exit 1; }
grep -qE "^TTFT +mean" <<<"$out" || { echo "FAIL: no TTFT line"; exit 1; }
grep -qE "^memory +weights [0-9.]+ MiB, resident" <<<"$out" || { echo "FAIL: no memory line"; exit 1; }
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["output_tokens"] == 24, r
assert r["num_prompts"] == 6 and r["concurrency"] == 3, r
assert r["output_tokens_per_s"] > 0 and r["requests_per_s"] > 0, r
for key in ("ttft_s", "tpot_s", "e2e_s"):
    s = r[key]
    assert 0 < s["p50"] <= s["p90"] <= s["p99"], (key, s)
assert r["ttft_s"]["p50"] <= r["e2e_s"]["p50"], r
m = r["memory"]
# 64 MiB of KV cache asked for: the blocks that fit in it, allocated and touched whole.
assert 60 * 2**20 < m["kv_cache_bytes"] <= 64 * 2**20, m
assert m["rss_bytes"] >= m["rss_anon_bytes"] > m["kv_cache_bytes"], m
assert m["peak_rss_bytes"] >= m["rss_bytes"] > 0, m
# SmolLM2-135M Q4_1 held as f32 (the CPU default): ~135M parameters, the embedding table (a
# quantised GGUF one, so dequantised) and the tied lm_head's f32 copy: ~0.66 GiB (more under ASan).
assert 0.3 * 2**30 < m["weights_bytes"] < 1.5 * 2**30, m
print("ok: JSON has the counts, ordered percentiles and memory")
PY
# A request longer than the context is refused with the numbers.
if "$PLEXUS" bench --model "$model" --input-len 200 --output-len 100 --max-model-len 256 \
    --set devices.cpu_kv_cache='"64MiB"' 2>"$json"; then
  echo "FAIL: an over-long bench was accepted"; exit 1
fi
grep -q "over max_model_len 256" "$json" || { echo "FAIL: no reason given"; cat "$json"; exit 1; }
echo "ok: plexus bench"
