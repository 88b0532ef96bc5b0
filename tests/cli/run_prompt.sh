#!/usr/bin/env bash
# `plexus run` streams SmolLM2's chat-templated greedy answer: the same text transformers
# produced for the same prompt (tests/fixtures/models/smollm2/reference.json), from --prompt
# and from stdin, on one rank and on three tensor-parallel ranks.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prompts"][0]["continuation_text"])' \
  "$SOURCE_DIR/tests/fixtures/models/smollm2/reference.json")
got=$("$PLEXUS" run --model "$model" --prompt "Name three primary colours." --max-tokens 32)
[ "$got" = "$want" ] || { printf 'FAIL: --prompt gave\n%s\nwanted\n%s\n' "$got" "$want"; exit 1; }
got=$(echo "Name three primary colours." | "$PLEXUS" run --model "$model" --max-tokens 32)
[ "$got" = "$want" ] || { printf 'FAIL: stdin gave\n%s\n' "$got"; exit 1; }
# Three tensor-parallel ranks (SmolLM2 has 9 heads, 3 KV heads) give the same answer.
got=$("$PLEXUS" run --model "$model" --prompt "Name three primary colours." --max-tokens 32 \
  --tensor-parallel-size 3)
[ "$got" = "$want" ] || { printf 'FAIL: tensor parallel 3 gave\n%s\n' "$got"; exit 1; }
echo "$got"
echo "ok: plexus run matches transformers' continuation, alone and with 3 ranks"
