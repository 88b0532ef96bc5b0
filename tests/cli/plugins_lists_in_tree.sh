#!/usr/bin/env bash
# `plexus plugins` finds the five in-tree plugins beside the binary and refuses none of them.
set -euo pipefail
out=$("$PLEXUS" plugins)
echo "$out"
for p in "model     models-deepseek" "quant     quant-awq" "quant     quant-gptq" \
         "frontend  frontend-http" "frontend  frontend-stdin"; do
  grep -q "^$p " <<<"$out" || { echo "FAIL: '$p' not listed"; exit 1; }
done
if grep -q '^refused:' <<<"$out"; then echo "FAIL: a plugin was refused"; exit 1; fi
echo "ok: five in-tree plugins"
