#!/usr/bin/env bash
# The stdin front end in JSON Lines mode: every line is submitted at once (the engine batches
# them) and answered on its own line in input order, as the HTTP API would answer it; a bad line
# gets an error line, not an exit. The chat line must give transformers' greedy answer.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/stdin.toml" <<TOML
[model]
path = "$model"
max_model_len = 2048
[devices]
cpu_kv_cache = "256MiB"
[[frontend]]
plugin = "frontend-stdin"
mode = "jsonl"
TOML
printf '%s\n' \
  '{"prompt": "The capital of France is", "max_tokens": 4, "temperature": 0}' \
  '{"prompt": ' \
  '[1,2]' \
  '{"messages": [{"role": "user", "content": "Name three primary colours."}], "max_tokens": 32, "temperature": 0}' \
  '{"prompt": "x", "n": 0}' \
  '{"prompt": "x", "model": "gpt-4"}' >"$tmp/in.jsonl"
"$PLEXUS" serve "$tmp/stdin.toml" <"$tmp/in.jsonl" >"$tmp/out.jsonl" 2>"$tmp/log"
cat "$tmp/out.jsonl"
python3 - "$tmp/out.jsonl" "$SOURCE_DIR/tests/fixtures/models/smollm2/reference.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = json.load(open(sys.argv[2]))["prompts"][0]["continuation_text"]
assert len(lines) == 6, f"expected 6 answers, got {len(lines)}"
first = lines[0]
assert first["object"] == "text_completion", first
assert first["choices"][0]["finish_reason"] == "length", first
assert first["usage"]["completion_tokens"] == 4, first
assert lines[1]["line"] == 2 and lines[1]["error"]["message"].startswith("malformed JSON"), lines[1]
assert lines[2]["line"] == 3 and "\"prompt\" or \"messages\"" in lines[2]["error"]["message"], lines[2]
chat = lines[3]
assert chat["object"] == "chat.completion", chat
got = chat["choices"][0]["message"]["content"]
assert got == want, f"chat answer {got!r} != transformers' {want!r}"
assert lines[4]["error"]["param"] == "n" and lines[4]["error"]["code"] == 400, lines[4]
assert lines[5]["error"]["code"] == 404 and lines[5]["error"]["param"] == "model", lines[5]
print("ok: six lines answered in order; the chat line equals transformers' continuation")
PY
