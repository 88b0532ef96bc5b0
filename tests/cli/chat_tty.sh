#!/usr/bin/env bash
# `plexus run` on a terminal is the interactive chat: replies stream after a "plexus> " prompt,
# Ctrl-C stops the reply in progress (not the program), /reset and /exit work. A pseudo-terminal
# comes from util-linux `script`, which runs the command through $SHELL (or /bin/sh): `exec`
# makes plexus the terminal's only foreground process, since a shell left waiting (dash) would
# die of the Ctrl-C itself.
set -euo pipefail
model="$SOURCE_DIR/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -f "$model" ] || { echo "FAIL: $model is missing: run scripts/fetch-model"; exit 1; }
command -v script >/dev/null || { echo "FAIL: util-linux 'script' is missing"; exit 1; }
out=$(mktemp); trap 'rm -f "$out"' EXIT
cmd="exec env PLEXUS_LOG=warn '$PLEXUS' run --model '$model' --max-model-len 1024 --set devices.cpu_kv_cache='\"64MiB\"'"
# Type once the prompt is up; interrupt the long reply; then reset and leave.
(
  for _ in $(seq 1 300); do grep -q "plexus> " "$out" 2>/dev/null && break; sleep 0.2; done
  printf 'Write a very long story about a dragon who learns to cook.\n'; sleep 4
  printf '\003'; sleep 2
  printf '/reset\n'; sleep 1
  printf '/exit\n'
) | timeout 120 script -q -e -c "$cmd" /dev/null >"$out" 2>&1 || status="${PIPESTATUS[*]}"
tr '\r' '\n' <"$out" | grep -v '^loading' | tail -n 12
# Both sides of the pipe must succeed: the typist (a write to a closed terminal means plexus
# left early) and the terminal session (plexus's exit status).
[ "${status:-0}" = 0 ] || { echo "FAIL: exit statuses (typist, terminal) = $status"; exit 1; }
grep -q "\[stopped\]" "$out" || { echo "FAIL: Ctrl-C did not stop the reply"; exit 1; }
grep -q "(conversation reset)" "$out" || { echo "FAIL: /reset"; exit 1; }
[ "$(grep -o 'plexus> ' "$out" | wc -l)" -ge 3 ] || { echo "FAIL: the prompt did not come back"; exit 1; }
echo "ok: interactive chat streams, Ctrl-C stops the reply, /reset and /exit work"
