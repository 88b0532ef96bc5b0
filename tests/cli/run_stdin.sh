#!/usr/bin/env bash
# The stdin front end in JSON Lines mode answers one line per request, in input order; a
# malformed line gets an error line, not an exit.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/stdin.toml" <<TOML
[model]
path = "$model"
[[frontend]]
plugin = "frontend-stdin"
mode = "jsonl"
TOML
out=$(printf '%s\n' '{"prompt": "hi"}' '{"prompt": ' '[1,2]' | "$PLEXUS" serve "$tmp/stdin.toml" 2>/dev/null)
echo "$out"
[ "$(wc -l <<<"$out")" = 3 ] || { echo "FAIL: expected 3 lines"; exit 1; }
line() { sed -n "$1p" <<<"$out"; }
grep -q '"line":1,' <<<"$(line 1)" || { echo "FAIL: line 1"; exit 1; }
grep -q '"line":2,"error":{"message":"malformed JSON' <<<"$(line 2)" || { echo "FAIL: line 2"; exit 1; }
grep -q 'must be a JSON object with \\"prompt\\" or \\"messages\\"' <<<"$(line 3)" || { echo "FAIL: line 3"; exit 1; }
echo "ok: one answer per line, in order"
