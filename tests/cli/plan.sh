#!/usr/bin/env bash
# `plexus plan` reads configs only: SmolLM2's GGUF metadata, a DeepSeek-V3-shaped config.json
# made by transformers (tests/fixtures/models/deepseek_v3_like) and the real DeepSeek-V3 and
# DeepSeek-V2-Lite config.json files (written by tools/models/write_deepseek_configs.py).
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
out=$("$PLEXUS" plan --model "$model" --set devices.cpu_kv_cache='"1GiB"' --max-model-len 8192)
echo "$out"
grep -q "parameters   134515008 total, 134515008 active per token; 30 layers" <<<"$out" || { echo "FAIL: parameters"; exit 1; }
# 30 layers x (2 x 3 KV heads x 64) f32 values = 46080 bytes per token; 1 GiB holds 1456 blocks
# of 16 tokens (737280 bytes each) = 23296 tokens.
grep -q "46080 bytes per token" <<<"$out" || { echo "FAIL: KV bytes"; exit 1; }
grep -q "= 23296 tokens (1456 blocks of 16); 2.84 sequences of max_model_len 8192" <<<"$out" || { echo "FAIL: budget"; exit 1; }
# Too long a context for the budget: what is needed and the largest max_model_len that fits.
out=$("$PLEXUS" plan --model "$model" --set devices.cpu_kv_cache='"64MiB"' --max-model-len 8192)
grep -q "does not fit: cpu_kv_cache 64.0 MiB cannot hold one sequence of max_model_len 8192: it needs 360.0 MiB" <<<"$out" || { echo "FAIL: short budget"; echo "$out"; exit 1; }
grep -q "or lower \[model\] max_model_len to at most 1456" <<<"$out" || { echo "FAIL: largest max_model_len"; exit 1; }
out=$("$PLEXUS" plan --model "$SOURCE_DIR/tests/fixtures/models/deepseek_v3_like" --set devices.cpu_kv_cache='"1MiB"')
echo "$out"
grep -q "(DeepseekV3ForCausalLM)" <<<"$out" || { echo "FAIL: architecture"; exit 1; }
grep -q "does not fit: cpu_kv_cache 1.0 MiB cannot hold" <<<"$out" || { echo "FAIL: no advice when the budget is short"; exit 1; }
# DeepSeek-V3: 671B total / ~37.6B active (MTP layer excluded; embeddings and LM head counted);
# MLA caches 512 + 64 values per token per layer: 61 x 576 x 4 = 140544 bytes per token.
out=$("$PLEXUS" plan --model "$SOURCE_DIR/tests/fixtures/models/deepseek_v3_config")
echo "$out"
grep -q "parameters   671026419200 total, 37552297472 active per token; 61 layers, hidden 7168" <<<"$out" || { echo "FAIL: V3 parameters"; exit 1; }
grep -q "weights      f32 2684.11 GB, bf16 1342.05 GB" <<<"$out" || { echo "FAIL: V3 weight bytes"; exit 1; }
grep -q "576 values per token per layer; 140544 bytes per token" <<<"$out" || { echo "FAIL: V3 KV bytes"; exit 1; }
# DeepSeek-V2-Lite: 15.7B total / 2.66B active (the paper's 2.4B leaves out the embeddings);
# 27 x 576 x 4 = 62208 KV bytes per token.
out=$("$PLEXUS" plan --model "$SOURCE_DIR/tests/fixtures/models/deepseek_v2_lite_config")
echo "$out"
grep -q "parameters   15706484224 total, 2661150208 active per token; 27 layers, hidden 2048" <<<"$out" || { echo "FAIL: V2-Lite parameters"; exit 1; }
grep -q "weights      f32 62.83 GB, bf16 31.41 GB" <<<"$out" || { echo "FAIL: V2-Lite weight bytes"; exit 1; }
grep -q "576 values per token per layer; 62208 bytes per token" <<<"$out" || { echo "FAIL: V2-Lite KV bytes"; exit 1; }
echo "ok: plan"
