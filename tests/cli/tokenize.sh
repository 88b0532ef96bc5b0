#!/usr/bin/env bash
# `plexus tokenize` / `plexus detokenize` on the SmolLM2 GGUF give HF tokenizers' ids and text
# for the first corpus strings (tests/fixtures/tokenizer: corpus and golden from tools/tokenizer).
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
fixtures="$SOURCE_DIR/tests/fixtures/tokenizer"
checked=0
while IFS=$'\t' read -r index want_ids; do
  text=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])])["text"], end="")' \
    "$fixtures/corpus.jsonl" "$index")
  got_ids=$("$PLEXUS" tokenize --model "$model" --no-special-tokens "$text")
  [ "$got_ids" = "$want_ids" ] || { printf 'FAIL: corpus %s\n got  %s\n want %s\n' "$index" "$got_ids" "$want_ids"; exit 1; }
  # shellcheck disable=SC2086
  back=$("$PLEXUS" detokenize --model "$model" $got_ids)
  [ "$back" = "$text" ] || { printf 'FAIL: detokenize of corpus %s gave %q\n' "$index" "$back"; exit 1; }
  checked=$((checked + 1))
done < <(python3 - "$fixtures/golden/smollm2.jsonl" "$fixtures/corpus.jsonl" <<'PY'
import json, sys
golden = [json.loads(l) for l in open(sys.argv[1])][1:]
corpus = [json.loads(l).get("text") for l in open(sys.argv[2])]  # None: raw bytes (hex)
shown = 0
for g in golden:
    text = corpus[g["i"]]
    # Single-line text that round-trips exactly (the CLI prints one line).
    if text is None or "\n" in text or "\r" in text or not text or g["decode"] != text \
            or text != text.strip():
        continue
    print(f'{g["i"]}\t{" ".join(map(str, g["ids"]))}')
    shown += 1
    if shown == 25:
        break
PY
)
[ "$checked" -ge 20 ] || { echo "FAIL: only $checked strings checked"; exit 1; }
echo "ok: $checked corpus strings tokenize and detokenize as HF tokenizers does"
