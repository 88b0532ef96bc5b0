#!/usr/bin/env bash
# `plexus plan` reads configs only: SmolLM2's GGUF metadata and a DeepSeek-V3-shaped
# config.json made by transformers (tests/fixtures/models/deepseek_v3_like).
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
out=$("$PLEXUS" plan --model "$model" --set devices.cpu_kv_cache='"1GiB"' --max-model-len 8192)
echo "$out"
grep -q "parameters   134515008 total, 134515008 active per token; 30 layers" <<<"$out" || { echo "FAIL: parameters"; exit 1; }
# 30 layers x (2 x 3 KV heads x 64) f32 values = 46080 bytes per token; 1 GiB / 46080 = 23301.
grep -q "46080 bytes per token" <<<"$out" || { echo "FAIL: KV bytes"; exit 1; }
grep -q "holds 23301 tokens: 2.84 sequences of max_model_len 8192" <<<"$out" || { echo "FAIL: budget"; exit 1; }
out=$("$PLEXUS" plan --model "$SOURCE_DIR/tests/fixtures/models/deepseek_v3_like" --set devices.cpu_kv_cache='"1MiB"')
echo "$out"
grep -q "(DeepseekV3ForCausalLM)" <<<"$out" || { echo "FAIL: architecture"; exit 1; }
grep -q "does not fit: raise cpu_kv_cache" <<<"$out" || { echo "FAIL: no advice when the budget is short"; exit 1; }
echo "ok: plan"
