#!/usr/bin/env bash
# Every example manifest validates, including its front ends' own keys; a broken one does not.
set -euo pipefail
for m in "$SOURCE_DIR"/examples/manifests/*.toml; do
  "$PLEXUS" validate "$m"
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/bad.toml" <<'TOML'
[model]
path = "x.gguf"
[[frontend]]
plugin = "frontend-http"
prot = 9000
TOML
if out=$("$PLEXUS" validate "$tmp/bad.toml" 2>&1); then echo "FAIL: bad manifest accepted"; exit 1; fi
echo "$out"
grep -qF "bad.toml:5:1: unknown key 'prot' in [[frontend]] #0 (frontend-http); did you mean 'port'?" <<<"$out" \
  || { echo "FAIL: message"; exit 1; }
echo "ok: examples valid, plugin keys checked"
